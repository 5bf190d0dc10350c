"""Overhead added to a save() of a registered model with 1,000 active workflows on it.

    python bench/save_overhead.py [--saves 3000] [--workflows 1000]

Times `order.save()` inside `transaction.atomic()` (so the commit and the
after-commit hand-off are included), alternating blocks with the workflow
receivers connected and disconnected ("workflows off"). Prints p50/p99 of both
and the p99 difference (target: at most 1 ms). No workers run: only the cost to
the saving request is measured.
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


def make_workflows(count: int) -> None:
    from workflows_app.models import Workflow, WorkflowVersion
    from workflows_app.services import save_definition

    first = save_definition({
        "schema_version": 1, "name": "Overhead 0000",
        "trigger": {"type": "model.updated", "model": "demo.order"},
        "conditions": {"all": [{"ref": "record.total_amount", "op": "gte", "value": 10**9}]},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "x {{ record.number }}", "body": "y"}}],
    }, activate=True)
    # The rest are copies made in bulk (save_definition validates each one: slow and
    # beside the point here); they are real, active workflows on the same trigger.
    template = first.workflow
    for start in range(1, count, 200):
        batch = []
        for index in range(start, min(count, start + 200)):
            batch.append(Workflow(name=f"Overhead {index:04d}", trigger_type=template.trigger_type,
                                  trigger_target=template.trigger_target, is_active=True,
                                  trigger_config=template.trigger_config))
        created = Workflow.objects.bulk_create(batch)
        versions = WorkflowVersion.objects.bulk_create([
            WorkflowVersion(workflow=workflow, number=1,
                            definition={**first.version.definition, "name": workflow.name},
                            checksum="bench") for workflow in created])
        for workflow, version in zip(created, versions, strict=True):
            workflow.live_version = version
        Workflow.objects.bulk_update(created, ["live_version"])


def measure(saves: int, block: int = 100) -> tuple[list[float], list[float]]:
    from django.db import transaction

    from config.demo.models import Customer, Order
    from workflows_app.triggers.model import source as signals

    customer = Customer.objects.create(name="Bench", email="bench@example.com")
    Order.objects.filter(number="OVH-1").delete()
    order = Order.objects.create(number="OVH-1", customer=customer, total_amount=Decimal(1))
    on: list[float] = []
    off: list[float] = []
    for round_index in range(saves // block):
        enabled = round_index % 2 == 0
        if enabled:
            signals.connect()
        else:
            signals.disconnect()
        samples = on if enabled else off
        for index in range(block):
            order.total_amount = Decimal(index + round_index)
            started = time.perf_counter()
            with transaction.atomic():
                order.save()
            samples.append((time.perf_counter() - started) * 1000)
    signals.connect()
    return on, off


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=4000)
    parser.add_argument("--workflows", type=int, default=1000)
    args = parser.parse_args()
    common.configure()
    from django.db import connection

    from workflows_app.models import Event, Workflow

    common.reset_data()
    make_workflows(args.workflows)
    active = Workflow.objects.filter(is_active=True, trigger_target="demo.order").count()
    measure(400)  # warm-up
    on, off = measure(args.saves)
    print(f"database: {connection.vendor}; active workflows on demo.order: {active}; "
          f"saves measured: {len(on)} with workflows, {len(off)} without")
    for label, samples in (("workflows on ", on), ("workflows off", off)):
        print(f"{label}: p50 {common.percentile(samples, 0.5):.3f} ms   "
              f"p99 {common.percentile(samples, 0.99):.3f} ms")
    p99_delta = common.percentile(on, 0.99) - common.percentile(off, 0.99)
    p50_delta = common.percentile(on, 0.5) - common.percentile(off, 0.5)
    print(f"overhead: p50 +{p50_delta:.3f} ms, p99 +{p99_delta:.3f} ms "
          f"(target p99 <= 1 ms: {'met' if p99_delta <= 1 else 'NOT met'})")
    print(f"events recorded: {Event.objects.count()}")


if __name__ == "__main__":
    main()
