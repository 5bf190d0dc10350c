"""A `for_each` over N items beside N separate one-step runs, each item / run
making the same HTTP call to a local receiver, both executed in this process by
`drain()` (what `workflows_drain` does), measured the same way in the same run.

    python bench/for_each.py [--items 10000]

PostgreSQL + Redis by default (BENCH_DATABASE_URL / BENCH_REDIS_URL override).
Prints items/s of the loop, runs/s of the separate runs, their ratio, and checks:
calls received, duplicate idempotency keys, statuses.

The loop's items go one after another within their run (each item's step is
checkpointed before the next starts: that is what lets a killed worker resume at
the item); separate runs may overlap on the worker's step pool.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def http_step(key: str, url: str, body: dict) -> dict:
    return {"key": key, "type": "http.request",
            "params": {"method": "POST", "url": url, "body": body}}


def loop(receiver: common.Receiver, items: int) -> tuple[float, str]:
    from workflows_app.execution.definitions import clear_cache
    from workflows_app.execution.queue import drain
    from workflows_app.models import Run, StepRun
    from workflows_app.services import save_definition
    from workflows_app.triggers.manual.start import start_manual_run

    common.reset_data()
    clear_cache()  # version ids restart after the reset
    workflow = save_definition({
        "schema_version": 1, "name": "Bench: for_each",
        "trigger": {"type": "manual", "inputs": [{"name": "alerts", "type": "JSON"}]},
        "steps": [{"key": "each", "type": "for_each", "params": {
            "items": {"ref": "inputs.alerts"},
            "steps": [http_step("call", receiver.url, {"item": "{{ item.id }}"})]}}],
    }, activate=True).workflow
    start_manual_run(workflow, {"alerts": [{"id": n} for n in range(items)]}, None)
    started = time.perf_counter()
    drain()
    elapsed = time.perf_counter() - started
    [run] = Run.objects.filter(workflow=workflow)
    done = StepRun.objects.filter(run=run, status="succeeded").count() - 1
    return elapsed, f"run {run.status}, {done} item steps succeeded"


def separate_runs(receiver: common.Receiver, runs: int) -> tuple[float, str]:
    from workflows_app.execution.definitions import clear_cache
    from workflows_app.execution.queue import drain
    from workflows_app.models import Run
    from workflows_app.services import save_definition
    from workflows_app.triggers.manual.start import start_manual_run

    common.reset_data()
    clear_cache()  # version ids restart after the reset
    workflow = save_definition({
        "schema_version": 1, "name": "Bench: one step",
        "trigger": {"type": "manual", "inputs": [{"name": "id", "type": "Number"}]},
        "steps": [http_step("call", receiver.url, {"item": "{{ inputs.id }}"})],
    }, activate=True).workflow
    for n in range(runs):
        start_manual_run(workflow, {"id": n}, None)
    started = time.perf_counter()
    drain()
    elapsed = time.perf_counter() - started
    succeeded = Run.objects.filter(workflow=workflow, status="succeeded").count()
    return elapsed, f"{succeeded} runs succeeded"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    common.configure(extra={"FOR_EACH_MAX_ITEMS": max(args.items, 10_000)})

    receiver = common.Receiver()
    loop_seconds, loop_check = loop(receiver, args.items)
    loop_calls, loop_dupes = receiver.count, receiver.duplicates
    receiver.close()

    receiver = common.Receiver()
    runs_seconds, runs_check = separate_runs(receiver, args.items)
    runs_calls, runs_dupes = receiver.count, receiver.duplicates
    receiver.close()

    items_rate = args.items / loop_seconds
    runs_rate = args.items / runs_seconds
    print(f"for_each over {args.items:,} items: {loop_seconds:.1f} s, {items_rate:,.0f} items/s "
          f"({loop_check}; {loop_calls:,} calls, {loop_dupes} duplicate keys)")
    print(f"{args.items:,} separate one-step runs: {runs_seconds:.1f} s, {runs_rate:,.0f} runs/s "
          f"({runs_check}; {runs_calls:,} calls, {runs_dupes} duplicate keys)")
    print(f"ratio items/s : runs/s = {items_rate / runs_rate:.2f}")


if __name__ == "__main__":
    main()
