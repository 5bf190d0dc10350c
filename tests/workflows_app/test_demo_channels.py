"""The demo's channel samples, as the README tour tells a newcomer to try them: a big
order texts the customer, posts to #sales, gives the sales managers a task due in 2
days and notifies them; a payment marks its order paid, texts the customer and gives
the account managers a task. Delivery is the locmem backend (the demo uses the
console one; both print or keep the provider's request instead of sending it)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from config.demo.models import Customer, Order, Payment
from workflows_app.channels import outbox
from workflows_app.execution.queue import drain
from workflows_app.models import Notification, Run, RunStatus, Task

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
    assert run.status == RunStatus.SUCCEEDED
    order.refresh_from_db()
    assert order.status == "paid"
    [sms] = [m for m in outbox.messages if m.channel == "SMS"]
    assert sms.summary["to"] == "+12025550101" and "120.00 USD" in sms.summary["body"]
    task = Task.objects.get(record_model="demo.order", record_id=str(order.pk))
    assert task.assignee_group.name == "Account managers"
