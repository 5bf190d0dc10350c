"""Trigger-to-first-step latency at a steady event rate.

    python bench/latency.py [--rate 50] [--seconds 20] [--workers 2]

Creates orders at `rate` per second (each save in its own transaction) while
real `qcluster` workers run the 3-step workflow; latency is the time from the
event's commit to its run's first step starting. Prints p50/p99 (target p99
<= 100 ms).
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
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    env = common.configure()
    from django.db import connection, transaction
    from django.db.models import Min

    from config.demo.models import Customer, Order
    from workflows_app.models import Event, Run, RunStatus
    from workflows_app.services import save_definition

    common.reset_data()
    receiver = common.Receiver()
    customer = Customer.objects.create(name="Bench", email="bench@example.com")
    save_definition(common.three_step_workflow(receiver.url), activate=True)
    total = int(args.rate * args.seconds)
    committed_at: dict[str, float] = {}
    with common.workers(env, per_cluster=args.workers):
        interval = 1.0 / args.rate
        start = time.time()
        for index in range(total):
            target = start + index * interval
            pause = target - time.time()
            if pause > 0:
                time.sleep(pause)
            number = f"L-{index:06d}"
            with transaction.atomic():
                Order.objects.create(number=number, customer=customer,
                                     total_amount=Decimal("10.00"))
            committed_at[number] = time.time()
        deadline = time.time() + 120
        while time.time() < deadline and Run.objects.filter(
                status=RunStatus.SUCCEEDED).count() < total:
            time.sleep(0.2)
    receiver.close()
    latencies = []
    first_steps = (Run.objects.values("event_id").annotate(first=Min("steps__started_at")))
    by_event = {row["event_id"]: row["first"] for row in first_steps}
    for event in Event.objects.filter(trigger_type="model.created").only("pk", "payload"):
        number = (event.payload.get("record") or {}).get("number")
        first = by_event.get(event.pk)
        if number in committed_at and first is not None:
            latencies.append((first.timestamp() - committed_at[number]) * 1000)
    achieved = total / (max(committed_at.values()) - min(committed_at.values()) or 1)
    print(f"database: {connection.vendor}, worker processes: {args.workers}, events: {total} "
          f"at {achieved:.1f}/s")
    print(f"trigger-to-first-step latency: p50 {common.percentile(latencies, 0.5):.1f} ms, "
          f"p99 {common.percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms "
          f"({len(latencies)} runs)")
    p99 = common.percentile(latencies, 0.99)
    print(f"target p99 <= 100 ms: {'met' if p99 <= 100 else 'NOT met'}")


if __name__ == "__main__":
    main()
