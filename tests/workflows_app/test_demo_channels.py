"""The demo's channel samples, as the README tour tells a newcomer to try them: a big
order texts the customer, posts to #sales, gives the sales managers a task due in 2
days and notifies them; a payment marks its order paid, texts the customer, gives
the account managers a task and asks them to confirm it, and pages on-call when nobody
confirms in 2 days. Delivery is the locmem backend (the demo uses the
console one; both print or keep the provider's request instead of sending it)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.demo.models import Customer, Order, Payment
from workflows_app.approvals import decide
from workflows_app.channels import outbox
from workflows_app.execution.queue import drain
from workflows_app.models import (
    Approval,
    ApprovalStatus,
    Notification,
    Run,
    RunStatus,
    StepRun,
    Task,
)

# Channel steps run in worker threads with their own database connections: commit.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2] / "config" / "demo"


@pytest.fixture
def demo(settings: Any) -> Any:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "CHANNEL_BACKEND":
                          "workflows_app.channels.backends.locmem.LocmemBackend"}
    call_command("demo_load_data", verbosity=0)
    call_command("workflows_import", "--activate", str(ROOT / "workflows"), verbosity=0)
    call_command("workflows_import", "--activate", str(ROOT / "channel_workflows"),
                 verbosity=0)
    drain()
    outbox.messages.clear()
    yield
    outbox.messages.clear()


def test_a_big_order_texts_posts_to_slack_and_gives_the_sales_manager_work(
        demo: None, admin_user: Any) -> None:
    customer = Customer.objects.get(email="orders@globex.example.com")
    Order.objects.create(number="A-2001", customer=customer, total_amount=Decimal("15000.00"),
                         currency="GBP")
    drain(wait_for_delays=False, max_seconds=30)
    run = Run.objects.get(workflow__name__startswith="Big order: text")
    assert run.status == RunStatus.SUCCEEDED
    sms, chat = outbox.messages
    assert sms.summary["to"] == "+442079460102"
    assert "A-2001" in sms.summary["body"]
    assert chat.summary == {"channel": "#sales", "text":
                            "Big order A-2001: 15000.00 GBP from Globex Ltd"}
    task = Task.objects.get(title="Follow up big order A-2001")
    assert task.assignee_group.name == "Sales managers"
    admin = type(admin_user).objects.get(username="admin")
    assert Notification.objects.get(recipient=admin).title == "Big order A-2001"
    client = Client()
    client.force_login(admin)
    assert "Follow up big order A-2001" in client.get(
        reverse("admin:workflows_app_task_changelist")).content.decode()
    page = client.get(reverse("admin:workflows_app_run_change", args=[run.pk])).content.decode()
    assert "text_customer" in page and "tell_sales" in page


def test_a_payment_marks_paid_texts_the_customer_and_tasks_the_account_manager(
        demo: None) -> None:
    order = Order.objects.get(number="A-1001")
    Payment.objects.create(order=order, amount=Decimal("120.00"), method="card")
    drain(wait_for_delays=False, max_seconds=30)
    run = Run.objects.get(workflow__name__startswith="Payment received: text")
    assert run.status == RunStatus.WAITING  # for an account manager to confirm
    order.refresh_from_db()
    assert order.status == "paid"
    [sms] = [m for m in outbox.messages if m.channel == "SMS"]
    assert sms.summary["to"] == "+12025550101" and "120.00 USD" in sms.summary["body"]
    task = Task.objects.get(record_model="demo.order", record_id=str(order.pk))
    assert task.assignee_group.name == "Account managers"


def _paid(number: str) -> Run:
    order = Order.objects.get(number=number)
    Payment.objects.create(order=order, amount=Decimal("120.00"), method="card")
    drain(wait_for_delays=False, max_seconds=30)
    return Run.objects.get(workflow__name__startswith="Payment received: text")


def test_an_account_manager_confirming_the_payment_pages_nobody(demo: None) -> None:
    run = _paid("A-1001")
    manager = User.objects.create_user("mia", password="pw", is_staff=True)
    manager.groups.add(Group.objects.get(name="Account managers"))
    approval = Approval.objects.get(run=run)
    assert approval.title == "Confirm the payment of 120.00 USD for order A-1001"
    decide(approval, manager, ApprovalStatus.APPROVED)
    drain(wait_for_delays=False, max_seconds=30)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert [m for m in outbox.messages if m.channel == "PagerDuty"] == []


def test_nobody_confirming_the_payment_in_2_days_pages_on_call(demo: None) -> None:
    run = _paid("A-1001")
    approval = Approval.objects.get(run=run)
    assert approval.due_at - approval.created_at >= timedelta(days=2) - timedelta(minutes=1)
    # Two days later:
    Approval.objects.filter(pk=approval.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    Run.objects.filter(pk=run.pk).update(due_at=timezone.now())
    StepRun.objects.filter(run=run, key="confirm_payment").update(due_at=timezone.now())
    drain(wait_for_delays=False, max_seconds=30)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    [page] = [m for m in outbox.messages if m.channel == "PagerDuty"]
    assert page.summary == {
        "severity": "warning", "dedup_key": "payment-A-1001",
        "summary": "Payment for order A-1001 (120.00 USD) not confirmed within 2 days"}
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.TIMED_OUT
