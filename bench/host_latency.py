"""How long a host project's own django-q2 task waits behind the engine after a
burst of saves (the engine shares the host's default cluster).

    python bench/host_latency.py [--saves 1000] [--workers 2] [--repeat 3]

Saves `--saves` orders (each one an event and a run of a 1-step workflow calling
a local endpoint) while a cluster runs, enqueues one host task right after the
last save and prints how long it took to finish (bar: 2 s), and how many engine
tasks ran for the burst.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = common.configure()
    from django.db import transaction
    from django_q.models import Task
    from django_q.tasks import async_task, fetch

    from config.demo.models import Customer, Order
    from workflows_app.models import Run, RunStatus
    from workflows_app.services import save_definition

    print(f"{args.saves} saves, then one host task; one cluster of {args.workers} workers")
    for attempt in range(args.repeat):
        common.reset_data()
        receiver = common.Receiver()
        save_definition({
            "schema_version": 1, "name": "Bench: notify",
            "trigger": {"type": "model.created", "model": "demo.order"},
            "steps": [{"key": "notify", "type": "http.request",
                       "params": {"method": "POST", "url": receiver.url,
                                  "body": {"order": "{{ record.number }}"}}}]},
            activate=True)
        customer = Customer.objects.create(name="Bench", email="bench@example.com")
        with common.workers(env, per_cluster=args.workers):
            for index in range(args.saves):
                with transaction.atomic():
                    Order.objects.create(number=f"H-{index:06d}", customer=customer,
                                         total_amount=Decimal("10.00"))
            enqueued = time.monotonic()
            task_id = async_task("math.floor", 2.5, task_name="host task")
            while fetch(task_id) is None and time.monotonic() - enqueued < 300:
                time.sleep(0.01)
            latency = time.monotonic() - enqueued
            deadline = time.monotonic() + 300
            while Run.objects.filter(status=RunStatus.SUCCEEDED).count() < args.saves and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            engine_tasks = Task.objects.filter(name="workflows: work").count()
        receiver.close()
        print(f"  run {attempt + 1}: host task finished {latency:.2f} s after it was "
              f"enqueued (bar: 2 s: {'met' if latency <= 2 else 'NOT met'}); "
              f"engine tasks for the burst: {engine_tasks}; runs succeeded: "
              f"{Run.objects.filter(status=RunStatus.SUCCEEDED).count()}/{args.saves}")


if __name__ == "__main__":
    main()
