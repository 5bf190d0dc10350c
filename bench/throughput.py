"""End-to-end throughput of a 3-step workflow, beside raw django-q2 no-op tasks,
measured the same way in the same run.

    python bench/throughput.py [--runs 3000] [--tasks N] [--workers 2] [--backlog] [--repeat N]

PostgreSQL + Redis by default (BENCH_DATABASE_URL / BENCH_REDIS_URL override);
the workers are real `qcluster` processes.

- `--backlog`: the work exists before any worker starts (the orders and their
  events are saved; for raw django-q2, the no-op tasks are enqueued), and the
  clock starts when the `qcluster` process is launched: worker start-up is
  included, for both. Workers have the machine to themselves.
- without it: the clusters are started (and given 3 s to start), then this
  process saves the orders (or enqueues the tasks) while the workers run.

Prints runs/s, raw django-q2 no-op tasks/s, their ratio, the CPU time the
clusters used per run and per task (user + system of the qcluster processes,
start-up included: unlike rates, it hardly depends on what else runs on the
machine), PostgreSQL commits per run, and checks: runs not succeeded, HTTP
calls, duplicate HTTP calls; and the load average before and after each round
(on a shared machine the absolute figures follow the load; the ratio, measured
in the same round, much less).
"""

from __future__ import annotations

import argparse
import os
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


def raw_django_q(env: dict[str, str], tasks: int, workers: int, *,
                 backlog: bool) -> dict[str, float]:
    """No-op tasks (`math.floor`) through a qcluster, timed like the workflow runs."""
    from django_q.brokers import get_broker
    from django_q.models import Success
    from django_q.tasks import async_task

    common.reset_data()
    broker = get_broker()

    def enqueue() -> None:
        for _ in range(tasks):
            async_task("math.floor", 1.5, broker=broker)

    if backlog:
        enqueue()
    started = time.monotonic()
    with common.workers(env, per_cluster=workers, settle=0 if backlog else 3.0) as processes:
        if not backlog:
            started = time.monotonic()
            enqueue()
        wait_until(lambda: Success.objects.count() >= tasks, timeout=600, interval=0.05)
        elapsed = time.monotonic() - started
        cpu = cluster_cpu(processes)
    return {"per_second": tasks / elapsed, "cpu_ms": cpu / tasks * 1000}


def cluster_cpu(processes: list) -> float:
    """CPU seconds (user + system) used so far by the clusters started as
    `processes` (every process of their sessions, and the children those
    waited for): the clusters' own cost, whatever else runs on the machine.
    Linux only (reads /proc); NaN elsewhere."""
    sessions = {process.pid for process in processes}
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        entries = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return float("nan")
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # after the name: state(0) ppid(1) pgrp(2) session(3) ... utime(11)
        # stime(12) cutime(13) cstime(14)
        if int(fields[3]) in sessions:
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


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

    def create_orders() -> float:
        started = time.monotonic()
        for index in range(runs):
            with transaction.atomic():
                Order.objects.create(number=f"B-{index:06d}", customer=customer,
                                     total_amount=Decimal("100.00") + index)
        return time.monotonic() - started

    polls = 0

    def finished() -> bool:
        nonlocal polls
        polls += 1  # each poll is a transaction of its own, not the workers'
        return Run.objects.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED]
                                  ).count() >= runs

    if backlog:  # the orders (and their events) exist before any worker starts
        created_in = create_orders()
    commits_before = common.pg_commits()
    started = time.monotonic()
    with common.workers(env, per_cluster=workers, settle=0 if backlog else 3.0) as processes:
        if not backlog:
            started = time.monotonic()
            created_in = create_orders()
        done = wait_until(finished, timeout=900, interval=0.05)
        elapsed = time.monotonic() - started
        cpu_ms = cluster_cpu(processes) / runs * 1000
        commits_after = common.pg_commits()
        if commits_after is not None:
            commits_after -= polls + 2  # this process's polls and commit counts
    failed = Run.objects.exclude(status=RunStatus.SUCCEEDED).count()
    steps_repeated = StepRun.objects.filter(attempt__gt=1).count()
    receiver.close()
    result = {
        "runs": runs, "done": float(done), "seconds": elapsed, "runs_per_second": runs / elapsed,
        "orders_created_per_second": runs / created_in, "not_succeeded": failed,
        "http_calls": receiver.count, "duplicate_http_calls": receiver.duplicates,
        "steps_retried": steps_repeated, "cpu_ms": cpu_ms,
    }
    if commits_before is not None and commits_after is not None:
        result["pg_commits_per_run"] = (commits_after - commits_before) / runs
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--tasks", type=int, default=None,
                        help="raw django-q2 tasks (default: as many as runs)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--backlog", action="store_true",
                        help="the work exists before the workers start; time from the "
                             "qcluster launch (start-up included) until all is done")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure both this many times, one after the other")
    args = parser.parse_args()
    tasks = args.tasks or args.runs
    env = common.configure()
    from django.db import connection

    print(f"database: {connection.vendor}, broker: "
          f"{'redis' if 'REDIS_URL' in env else 'django ORM'}, worker processes: {args.workers}")
    mode = ("backlog, worker start-up included" if args.backlog
            else "work submitted while the workers run")
    print(f"mode: {mode}")
    for round_number in range(1, args.repeat + 1):
        if args.repeat > 1:
            print(f"-- round {round_number} of {args.repeat}")
        print(f"load average before: {load_average()}")
        raw = raw_django_q(env, tasks, args.workers, backlog=args.backlog)
        noop = raw["per_second"]
        print(f"raw django-q2 no-op tasks: {noop:8.1f} tasks/s ({tasks} tasks); "
              f"cluster CPU {raw['cpu_ms']:.2f} ms per task")
        result = workflow_throughput(env, args.runs, args.workers, backlog=args.backlog)
        print(f"3-step workflow runs:      {result['runs_per_second']:8.1f} runs/s "
              f"({args.runs} runs in {result['seconds']:.2f} s; orders saved at "
              f"{result['orders_created_per_second']:.0f}/s)")
        print(f"ratio runs/s : no-op tasks/s = {result['runs_per_second'] / noop:.2f}")
        print(f"cluster CPU (user + system of the qcluster processes, start-up included): "
              f"{result['cpu_ms']:.2f} ms per run, {raw['cpu_ms']:.2f} ms per no-op task "
              f"(ratio no-op task : run = {raw['cpu_ms'] / result['cpu_ms']:.2f})")
        if "pg_commits_per_run" in result:
            print(f"PostgreSQL commits per run (workers only in backlog mode): "
                  f"{result['pg_commits_per_run']:.2f}")
        print(f"runs not succeeded: {result['not_succeeded']}, "
              f"HTTP calls: {result['http_calls']}, "
              f"duplicate HTTP calls: {result['duplicate_http_calls']}, "
              f"steps with more than one attempt: {result['steps_retried']}")
        print(f"load average after: {load_average()}")


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes): the figures depend on it."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "unknown"


if __name__ == "__main__":
    main()
