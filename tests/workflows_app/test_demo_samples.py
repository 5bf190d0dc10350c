"""The demo's sample workflows for the date and failure triggers, as the README tour
tells a newcomer to try them: an unpaid order is reminded 3 days after it was
created; shipping an order fails to reach the (non-existent) warehouse, and ops
get an e-mail naming the failed step and its error."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from config.demo.models import Order
from workflows_app.execution.periodic import run_periodic_hooks
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunStatus, StepRun, Workflow

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "demo" / "workflows"

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("demo_load_data", "--no-superuser", verbosity=0)
    call_command("workflows_import", "--activate", str(SAMPLES), verbosity=0)
    drain()  # the demo data's own events predate the workflows: nothing runs
    mail.outbox.clear()


def test_unpaid_orders_are_reminded_three_days_after_they_were_created(demo) -> None:
    reminder = Workflow.objects.get(name="Remind unpaid orders")
    assert not Run.objects.filter(workflow=reminder).exists()
    # A-1003 (confirmed, unpaid) was created 2 days and 2 hours before the data was
    # loaded; A-1004 (paid) 3 days and 3 hours before, so before the workflow existed.
    run_periodic_hooks(timezone.now() + timedelta(days=1))
    drain()
    [run] = Run.objects.filter(workflow=reminder)
    assert run.status == RunStatus.SUCCEEDED
    assert run.event.record_pk == str(Order.objects.get(number="A-1003").pk)
    # (the day may also bring the weekday summary of the schedule sample)
    [message] = [message for message in mail.outbox if "A-1003" in message.subject]
    assert message.subject == "Your order A-1003 is waiting for payment"
    assert "has not been paid yet" in message.body


def test_a_failed_run_is_mailed_to_ops_with_the_step_and_the_error(demo) -> None:
    order = Order.objects.get(number="A-1001")
    order.status = "shipped"
    order.save()
    drain()
    warehouse = Workflow.objects.get(name="Tell the warehouse about shipped orders")
    [failed] = Run.objects.filter(workflow=warehouse)
    assert failed.status == RunStatus.FAILED
    step = StepRun.objects.get(run=failed)
    alert = Workflow.objects.get(name="Alert ops when a run fails")
    [alert_run] = Run.objects.filter(workflow=alert)
    assert alert_run.status == RunStatus.SUCCEEDED
    [message] = [item for item in mail.outbox if item.to == ["ops@example.com"]]
    assert message.subject == (f'Run #{failed.pk} of "Tell the warehouse about shipped '
                               'orders" failed')
    assert "Step: Post the order to the warehouse" in message.body
    assert step.error and step.error in message.body
    assert 'started by "Order A-1001 updated"' in message.body


def _subjects(to: str) -> list[str]:
    return [item.subject for item in mail.outbox if item.to == [to]]


def test_route_new_orders_sends_big_orders_to_sales_and_tells_the_customer(demo) -> None:
    from tests.workflows_app.support import order as new_order

    big = new_order("7000.00", number="R-BIG")
    small = new_order("20.00", number="R-SMALL")
    drain()
    assert _subjects("sales@example.com") == ["Sales: new big order R-BIG"]
    to_customer = [item for item in mail.outbox if item.subject.startswith("Who looks after")]
    bodies = {item.subject: item.body for item in to_customer}
    assert "Big order" in bodies[f"Who looks after order {big.number}"]
    assert "otherwise" in bodies[f"Who looks after order {small.number}"]
    assert "Sales was told: no" in bodies[f"Who looks after order {small.number}"]


def test_chase_mails_ops_only_about_orders_nobody_confirmed_during_the_wait(demo) -> None:
    from workflows_app.models import StepStatus

    chase = Workflow.objects.get(name="Chase orders still submitted")
    usd, chf = Order.objects.get(number="A-1001"), Order.objects.get(number="A-1012")
    Order.objects.filter(pk=chf.pk).update(currency="CHF")  # not confirmed automatically
    for placed in (Order.objects.get(pk=usd.pk), Order.objects.get(pk=chf.pk)):
        placed.status = "submitted"
        placed.save()
    drain()  # "Confirm submitted orders" confirms the USD one; both chases wait
    waiting = Run.objects.filter(workflow=chase, status=RunStatus.WAITING)
    assert waiting.count() == 2
    past = timezone.now() - timedelta(seconds=1)
    StepRun.objects.filter(run__in=waiting, status=StepStatus.WAITING).update(due_at=past)
    waiting.update(due_at=past)
    drain()
    assert _subjects("ops@example.com") == ["Order A-1012 is still submitted"]


def test_each_critical_alert_of_a_webhook_batch_is_mailed_once(demo, client) -> None:
    from django.urls import reverse

    workflow = Workflow.objects.get(name="Mail ops about each monitoring alert")
    response = client.post(reverse("workflows_app:webhook", args=[workflow.webhook_token]),
                           data={"alerts": [{"name": "disk full", "severity": "critical"},
                                            {"name": "slow page", "severity": "info"},
                                            {"name": "db down", "severity": "critical"}]},
                           content_type="application/json")
    assert response.status_code < 300
    drain()
    assert _subjects("ops@example.com") == ["Critical alert disk full", "Critical alert db down"]


def test_a_paid_order_is_packed_and_invoiced_at_once_then_the_customer_told(demo) -> None:
    order = Order.objects.get(number="A-1003")
    order.status = Order.Status.PAID
    order.save()
    drain()
    workflow = Workflow.objects.get(name="Prepare paid orders at once")
    [run] = Run.objects.top_level().filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert _subjects("warehouse@example.com") == ["Pack order A-1003"]
    assert _subjects("accounts@example.com") == ["Invoice order A-1003"]
    keys = set(StepRun.objects.filter(run=run).values_list("key", flat=True))
    assert keys == {"prepare", "prepare.branches[0].ask_to_pack",
                    "prepare.branches[1].ask_to_invoice", "tell_customer_preparing"}
    assert Run.objects.filter(parent=run, status=RunStatus.SUCCEEDED).count() == 2
    [told] = [m for m in mail.outbox if m.subject == "Order A-1003 is being prepared"]
    assert "Invoice: to follow" not in told.body


def test_an_express_order_is_told_to_the_warehouse_from_its_delivery_details(demo) -> None:
    customer = Order.objects.get(number="A-1001").customer
    Order.objects.create(number="E-1", customer=customer, total_amount=80, delivery={
        "carrier": "UPS", "express": True, "weight_kg": 1.25,
        "address": {"city": "Lyon", "country": "FR"}})
    Order.objects.create(number="E-2", customer=customer, total_amount=80,
                         delivery={"carrier": "UPS", "express": False})
    drain()
    [message] = [message for message in mail.outbox if message.to == ["warehouse@example.com"]]
    assert message.subject == "Express: E-1 to Lyon"
    assert message.body == "Ship order E-1 with UPS (1.25 kg) to Lyon, FR."
