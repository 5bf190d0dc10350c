"""The README demo, end to end: the demo shop with the sample workflows imported, a
real worker printing e-mail with the console backend, and a big order created in
the demo admin."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from config.demo.models import Customer, Order
from tests.workflows_app.support import runs_of, wait_until
from workflows_app.models import Event, RunStatus, Workflow, WorkflowEvaluation

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "demo" / "workflows"
CONSOLE = "django.core.mail.backends.console.EmailBackend"


@pytest.mark.django_db(transaction=True)
def test_a_big_order_created_in_the_admin_sends_the_big_order_alert(workers, client):
    call_command("demo_load_data", "--no-superuser", verbosity=0)
    call_command("workflows_import", "--activate", str(SAMPLES), verbosity=0)
    alert = Workflow.objects.get(name="Big order alert")
    assert alert.is_active
    [worker] = workers.start(1, env={"DJANGO_EMAIL_BACKEND": CONSOLE})

    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin")
    client.force_login(admin)
    buyer = Customer.objects.get(name="Globex Ltd")
    response = client.post("/admin/demo/order/add/", {
        "number": "A-9001", "customer": buyer.pk, "status": "new",
        "total_amount": "12500.00", "currency": "USD",
        "payments-TOTAL_FORMS": "0", "payments-INITIAL_FORMS": "0",
        "payments-MIN_NUM_FORMS": "0", "payments-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    big = Order.objects.get(number="A-9001")

    wait_until(lambda: "Subject: Big order A-9001" in worker.output(), timeout=30,
               message="the alert e-mail in the worker's output", details=workers.output)
    [run] = wait_until(lambda: [r for r in runs_of(alert) if r.status == RunStatus.SUCCEEDED],
                       message="the alert's run to be checkpointed", details=workers.output)
    assert run.event.record_pk == str(big.pk)
    output = worker.output()
    assert "To: ops@example.com" in output
    assert "Order A-9001 from Globex Ltd totals 12500.00 USD." in output
    assert output.count("Subject: Big order ") == 1  # the demo data's orders predate it

    # A small order is considered too, and the answer says why it did not alert.
    small = Order.objects.create(number="A-9002", customer=buyer, total_amount="99.00")
    event = Event.objects.get(record_model="demo.order", record_pk=str(small.pk))
    evaluation = wait_until(
        lambda: WorkflowEvaluation.objects.filter(event=event, workflow=alert).first(),
        message="the small order's evaluation", details=workers.output)
    assert evaluation.outcome == WorkflowEvaluation.Outcome.CONDITIONS_NOT_MET
    assert "record.total_amount" in evaluation.message and "99" in evaluation.message
    assert len(runs_of(alert)) == 1
