"""End-to-end throughput of a 3-step workflow, beside raw django-q2 no-op tasks.

    python bench/throughput.py [--runs 2000] [--tasks 1000] [--workers 2]

PostgreSQL + Redis by default (BENCH_DATABASE_URL / BENCH_REDIS_URL override);
the workers are real `qcluster` processes. Prints runs/s, django-q2 no-op
tasks/s measured the same way, their ratio, and PostgreSQL commits per run.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def raw_django_q(env: dict[str, str], tasks: int, workers: int) -> float:
    from django_q.models import Success
    from django_q.tasks import async_task

    common.reset_data()
    with common.workers(env, per_cluster=workers):
        started = time.monotonic()
        for _ in range(tasks):
            async_task("math.floor", 1.5)
        wait_until(lambda: Success.objects.count() >= tasks, timeout=600)
        elapsed = time.monotonic() - started
    return tasks / elapsed


def workflow_throughput(env: dict[str, str], runs: int, workers: int, *,
                        backlog: bool = False) -> dict[str, float]:
    from django.db import transaction

    from config.demo.models import Customer, Order
    from workflows_app.models import Run, RunStatus, StepRun
    from workflows_app.services import save_definition

    common.reset_data()
    receiver = common.Receiver()
    customer = Customer.objects.create(name="Bench", email="bench@example.com",
                                       phone="+14155550100")
    save_definition(common.three_step_workflow(receiver.url), activate=True)
    commits_before = common.pg_commits()

    def create_orders() -> float:
        started = time.monotonic()
        for index in range(runs):
            with transaction.atomic():
                Order.objects.create(number=f"B-{index:06d}", customer=customer,
                                     total_amount=Decimal("100.00") + index)
        return time.monotonic() - started

    if backlog:  # the orders (and their events) exist before any worker starts
        created_in = create_orders()
    with common.workers(env, per_cluster=workers):
        started = time.monotonic()
        if not backlog:
            created_in = create_orders()
        else:
            from workflows_app.execution.queue import wake_soon

            wake_soon()
        done = wait_until(lambda: Run.objects.filter(status=RunStatus.SUCCEEDED).count() >= runs,
                          timeout=900, interval=0.1)
        elapsed = time.monotonic() - started
        commits_after = common.pg_commits()
    failed = Run.objects.exclude(status=RunStatus.SUCCEEDED).count()
    steps_repeated = sum(1 for row in StepRun.objects.filter(attempt__gt=1))
    receiver.close()
    result = {
        "runs": runs, "done": float(done), "seconds": elapsed, "runs_per_second": runs / elapsed,
        "orders_created_per_second": runs / created_in, "not_succeeded": failed,
        "http_calls": receiver.count, "duplicate_http_calls": receiver.duplicates,
        "steps_retried": steps_repeated,
    }
    if commits_before is not None and commits_after is not None:
        result["pg_commits_per_run"] = (commits_after - commits_before) / runs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--backlog", action="store_true",
                        help="create every order before starting the workers and time "
                             "only their processing (no producer competing for the CPU)")
    args = parser.parse_args()
    env = common.configure()
    from django.db import connection

    print(f"database: {connection.vendor}, broker: "
          f"{'redis' if 'REDIS_URL' in env else 'django ORM'}, worker processes: {args.workers}")
    noop = raw_django_q(env, args.tasks, args.workers)
    print(f"raw django-q2 no-op tasks: {noop:8.1f} tasks/s ({args.tasks} tasks)")
    result = workflow_throughput(env, args.runs, args.workers, backlog=args.backlog)
    mode = "backlog processed" if args.backlog else "orders saved while workers run"
    print(f"mode: {mode}")
    print(f"3-step workflow runs:      {result['runs_per_second']:8.1f} runs/s "
          f"({args.runs} runs in {result['seconds']:.1f} s; orders saved at "
          f"{result['orders_created_per_second']:.0f}/s)")
    print(f"ratio runs/s : no-op tasks/s = {result['runs_per_second'] / noop:.2f}")
    print(f"target 250 runs/s: {'met' if result['runs_per_second'] >= 250 else 'NOT met'}")
    if "pg_commits_per_run" in result:
        print(f"PostgreSQL commits per run (everything, incl. the order save): "
              f"{result['pg_commits_per_run']:.1f}")
    print(f"runs not succeeded: {result['not_succeeded']}, HTTP calls: {result['http_calls']}, "
          f"duplicate HTTP calls: {result['duplicate_http_calls']}")


if __name__ == "__main__":
    main()
