"""Issue 11, item 4 — "Test with…" and backtests of an unsaved draft.

A test run executes the draft's steps for a real event or a chosen record, against
a real SMTP server (aiosmtpd) and a real HTTP receiver (pytest-httpserver): the
e-mail and the call are shown in the report but never reach them, and the database
is exactly as before. The same draft, saved and run for real, does reach both (so
"nothing arrived" means something).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import django
import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail
from django.test import Client
from django.urls import reverse

from config.demo.models import Customer, Order
from tests.workflows_app.support import customer, order
from tests.workflows_app.test_admin_builder import client_for, make_user
from tests.workflows_app.test_email_send import Mailbox, free_port
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, StepRun, Workflow, WorkflowEvaluation
from workflows_app.sandbox.capture import capturing
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

RUN = reverse("admin:workflows_app_workflow_builder_test_run")
SOURCES = reverse("admin:workflows_app_workflow_builder_test_sources")
BACKTEST = reverse("admin:workflows_app_workflow_builder_backtest")
ORDER_UPDATED = {"type": "model.updated", "model": "demo.order"}
ORDER_CREATED = {"type": "model.created", "model": "demo.order"}


def draft(erp_url: str, *, trigger: dict[str, Any] | None = None) -> dict[str, Any]:
    """Confirm the order, mail the customer, tell the ERP, wait two days, remind."""
    return {
        "schema_version": 1, "name": "Confirm and tell the ERP",
        "trigger": trigger or ORDER_UPDATED,
        "conditions": {"all": [{"ref": "record.total_amount", "op": "gte", "value": 100}]},
        "steps": [
            {"key": "confirm", "type": "record.update",
             "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
            {"key": "mail", "type": "email.send",
             "params": {"to": [{"ref": "record.customer.email"}],
                        "subject": "Order {{ record.number }} confirmed",
                        "body": "Hello {{ record.customer.name }}, thank you."}},
            {"key": "erp", "type": "http.request",
             "params": {"method": "POST", "url": erp_url,
                        "body": {"order": "{{ record.number }}", "total": 1}}},
            {"key": "pause", "type": "delay", "params": {"duration": "2 days"}},
            {"key": "remind", "type": "email.send",
             "params": {"to": ["ops@example.com"], "subject": "Reminder {{ record.number }}",
                        "body": "Two days passed."}},
        ],
    }


def database_state() -> dict[str, Any]:
    """Everything a test run must leave exactly as it was."""
    return {
        "orders": list(Order.objects.order_by("pk").values()),
        "customers": list(Customer.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values_list("pk", "status")),
        "runs": Run.objects.count(), "steps": StepRun.objects.count(),
        "evaluations": WorkflowEvaluation.objects.count(),
        "workflows": list(Workflow.objects.values_list("pk", "is_active", "live_version")),
    }


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, and Django's SMTP backend pointed
    at it (as in test_email_send)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    if django.VERSION >= (6, 1):  # MAILERS replaces the EMAIL_* settings
        settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {
            "host": "127.0.0.1", "port": controller.port, "use_tls": False,
            "use_ssl": False, "timeout": 10}}}
    else:
        settings.EMAIL_BACKEND = smtp
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "workflows@shop.example"
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def root() -> Client:
    return client_for(make_user("root", superuser=True))


@pytest.fixture
def buyer_order() -> Order:
    buyer = customer("Ada Lovelace", "ada@example.org")
    return order("250.00", number="A-1001", customer_obj=buyer)


def test_a_test_run_shows_the_mail_and_the_call_but_sends_nothing_and_changes_nothing(
        root: Client, smtp_server: Any, receiver: Any, allow_local_http: None,
        buyer_order: Order) -> None:
    definition = draft(receiver.url("/erp"))
    before = database_state()

    response = root.post(RUN, {"definition": json.dumps(definition),
                               "record_search": "a-1001"})  # the number, as staff know it

    assert response.status_code == 200, response.content.decode()
    report = response.context["report"]
    assert report.status == "succeeded"
    assert report.source == "Order A-1001"
    assert [(step.key, step.status) for step in report.steps] == [
        ("confirm", "succeeded"), ("mail", "succeeded"), ("erp", "succeeded"),
        ("pause", "wait_skipped"), ("remind", "succeeded")]
    # The e-mails as they would be sent...
    assert [(email.to, email.subject, email.body) for email in report.emails] == [
        (["ada@example.org"], "Order A-1001 confirmed", "Hello Ada Lovelace, thank you."),
        (["ops@example.com"], "Reminder A-1001", "Two days passed.")]
    # ...the call as it would be made...
    [call] = report.requests
    assert (call.method, call.url) == ("POST", receiver.url("/erp"))
    assert json.loads(call.body) == {"order": "A-1001", "total": 1}
    # ...the change to the order, undone, and the wait that was skipped.
    [change] = report.record_changes
    assert change.summary == "Order A-1001 updated"
    assert ("status", "new", "confirmed") in change.changes
    assert report.waits_skipped and "would wait until" in report.waits_skipped[0]
    page = response.content.decode()
    assert "Order A-1001 confirmed" in page and "Hello Ada Lovelace, thank you." in page
    assert "Nothing was sent, and every change to records was undone." in page

    # Nothing arrived anywhere, and nothing changed.
    assert smtp_server.messages() == []
    assert receiver.count() == 0
    assert database_state() == before
    buyer_order.refresh_from_db()
    assert buyer_order.status == "new"

    # The same draft, saved and run for real, does reach the SMTP server and the ERP.
    save_definition(definition, activate=True)
    buyer_order.total_amount = Decimal("300.00")
    buyer_order.save()
    drain()
    assert [message["Subject"] for _, message in smtp_server.messages()] == [
        "Order A-1001 confirmed"]
    assert receiver.count("/erp") == 1


def test_a_test_run_says_what_each_step_was_given(root: Client, buyer_order: Order) -> None:
    """A step that sends nothing (a task, an approval) is shown with what it was
    given, by the labels of its params: what the task would say, to whom, when."""
    from django.contrib.auth.models import Group

    Group.objects.create(name="Account managers")
    definition = {
        "schema_version": 1, "name": "Call big customers", "trigger": ORDER_UPDATED,
        "steps": [{"key": "call", "label": "Call the customer", "type": "task.create",
                   "params": {"title": "Call about {{ record.number }}",
                              "assignee": "group:Account managers", "due": "in 2 days"}}]}
    response = root.post(RUN, {"definition": json.dumps(definition),
                               "record_search": "a-1001"})
    assert response.status_code == 200, response.content.decode()
    [step] = response.context["report"].steps
    given = dict(step.given)
    assert given["Title"] == "Call about A-1001"
    assert "Account managers" in given["Assignee"]
    page = html.unescape(response.content.decode())
    assert "What it was given" in page and "Call about A-1001" in page


def test_a_test_run_with_a_recent_event(root: Client, smtp_server: Any,
                                        buyer_order: Order) -> None:
    definition = {
        "schema_version": 1, "name": "Welcome", "trigger": ORDER_CREATED,
        "steps": [{"key": "mail", "type": "email.send",
                   "params": {"to": [{"ref": "record.customer.email"}],
                              "subject": "We got order {{ record.number }}",
                              "body": "Total: {{ record.total_amount }}"}}]}
    event = Event.objects.get(trigger_type="model.created", record_model="demo.order")
    listed = root.post(SOURCES, {"definition": json.dumps(definition)})
    assert list(listed.context["events"]) == [event]
    assert "Order A-1001 created" in listed.content.decode()

    response = root.post(RUN, {"definition": json.dumps(definition), "event": event.pk})
    report = response.context["report"]
    assert report.source == f"event #{event.pk}: Order A-1001 created"
    assert [(email.to, email.subject, email.body) for email in report.emails] == [
        (["ada@example.org"], "We got order A-1001", "Total: 250.00")]
    assert smtp_server.messages() == []

    # An event the trigger does not receive is refused, in words.
    other = root.post(RUN, {"definition": json.dumps(definition), "event": event.pk + 999})
    assert other.status_code == 400
    assert "not one this workflow's trigger receives" in html.unescape(other.content.decode())


def test_a_failing_step_is_reported_as_the_run_would_fail(
        root: Client, smtp_server: Any, buyer_order: Order) -> None:
    definition = draft("http://127.0.0.1:9/erp")  # a private address: refused, as for real
    definition["steps"][2]["on_error"] = "continue"
    report = root.post(RUN, {"definition": json.dumps(definition),
                             "record_search": "ada@example.org"}).context["report"]
    assert report.status == "succeeded" and report.succeeded_with_errors
    erp = report.steps[2]
    assert erp.status == "failed" and "a private, loopback" in erp.error
    assert report.requests == []

    del definition["steps"][2]["on_error"]
    report = root.post(RUN, {"definition": json.dumps(definition),
                             "record_search": "Ada"}).context["report"]
    assert report.status == "failed"
    assert [step.status for step in report.steps] == [
        "succeeded", "succeeded", "failed", "not_run", "not_run"]
    assert len(report.emails) == 1  # the reminder after the failed step is not sent
    assert smtp_server.messages() == []


def test_records_are_found_by_what_staff_know(root: Client, buyer_order: Order) -> None:
    definition = draft("https://erp.example.com/orders")
    for text in ("A-1001", "a-1001", "ada@example.org", "Ada Lovelace", str(buyer_order.pk)):
        found = root.post(SOURCES, {"definition": json.dumps(definition),
                                    "record_search": text}).context["records"]
        assert found == [buyer_order], text
    answer = root.post(RUN, {"definition": json.dumps(definition), "record_search": "Z-9"})
    assert answer.status_code == 400
    assert "No order matches “Z-9”" in answer.content.decode()


def seed_orders(totals: list[int]) -> list[Order]:
    buyer = customer("Grace Hopper", "grace@example.org")
    return [order(total, customer_obj=buyer) for total in totals]


def test_backtest_counts_match_a_hand_count(root: Client) -> None:
    totals = [50, 15000, 9999, 10000, 20000, 300, 12000]
    seed_orders(totals)
    definition = {
        "schema_version": 1, "name": "Big orders", "trigger": ORDER_CREATED,
        "conditions": {"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]},
        "steps": [{"key": "mail", "type": "email.send",
                   "params": {"to": ["ops@example.com"], "subject": "Big", "body": "Big"}}]}
    by_hand = sum(1 for total in totals if total >= 10000)  # 15000, 10000, 20000, 12000
    report = root.post(BACKTEST, {"definition": json.dumps(definition),
                                  "limit": "100"}).context["report"]
    assert (report.considered, report.started) == (len(totals), by_hand) == (7, 4)
    assert report.live_started is None  # a new workflow: nothing to compare with

    # The last 3 events (newest first: 12000, 300, 20000): two would have started.
    last_three = root.post(BACKTEST, {"definition": json.dumps(definition), "limit": "3"})
    report = last_three.context["report"]
    assert (report.considered, report.started) == (3, 2)
    assert [str(item.event) for item in report.started_examples] == [
        f"Order {Order.objects.get(total_amount=12000).number} created",
        f"Order {Order.objects.get(total_amount=20000).number} created"]
    [skipped] = report.skipped_examples
    assert "300" in skipped.reason and "10000" in skipped.reason
    assert "Over the last 3 events, this draft would have started 2 runs." in \
        last_three.content.decode()

    # Events of other triggers do not count; a changed condition changes the count.
    definition["conditions"]["all"][0]["value"] = 12000
    report = root.post(BACKTEST, {"definition": json.dumps(definition)}).context["report"]
    assert report.started == sum(1 for total in totals if total >= 12000) == 3


def test_backtest_compares_with_what_the_saved_workflow_did(root: Client) -> None:
    definition = {
        "schema_version": 1, "name": "Big orders", "trigger": ORDER_CREATED,
        "conditions": {"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]},
        "steps": [{"key": "mail", "type": "email.send",
                   "params": {"to": ["ops@example.com"], "subject": "Big", "body": "Big"}}]}
    workflow = save_definition(definition, activate=True).workflow
    seed_orders([50, 15000, 5000])
    drain()
    definition["conditions"]["all"][0]["value"] = 1000
    report = root.post(BACKTEST, {"definition": json.dumps(definition),
                                  "workflow": workflow.pk}).context["report"]
    assert (report.considered, report.started, report.live_started) == (3, 2, 1)


def test_the_test_endpoints_refuse_what_they_should(root: Client) -> None:
    definition = draft("https://erp.example.com/orders")
    viewer = client_for(make_user("viewer", "view_workflow"))
    for target in (RUN, SOURCES, BACKTEST):
        assert viewer.post(target, {"definition": json.dumps(definition)}).status_code == 403
        assert root.get(target).status_code == 405
    broken = dict(definition, steps=[{"key": "mail", "type": "email.send", "params": {}}])
    answer = root.post(RUN, {"definition": json.dumps(broken)})
    assert answer.status_code == 400
    assert "fix them before testing" in answer.content.decode()
    hostile = root.post(BACKTEST, {"definition": '{"name": "\\u0000"}'})
    assert hostile.status_code == 400
    assert root.post(BACKTEST, {"definition": json.dumps(definition),
                                "limit": "99999999999999999999"}).status_code == 400
    assert root.post(BACKTEST, {"definition": json.dumps(definition),
                                "limit": "many"}).status_code == 400


def test_channel_messages_are_captured_whatever_the_delivery_backend(settings: Any) -> None:
    """SMS, chat and paging steps deliver through `channels.sending.deliver`: in a test
    run the provider's request is captured (and its address checked), not handed to
    the configured backend, and the step gets the simulated answer."""
    from workflows_app.channels import outbox
    from workflows_app.channels.message import OutboundMessage
    from workflows_app.channels.sending import deliver

    settings.WORKFLOWS = {**settings.WORKFLOWS, "CHANNEL_BACKEND":
                          "workflows_app.channels.backends.locmem.LocmemBackend"}
    outbox.messages.clear()
    url = "https://93.184.216.34/2010-04-01/Accounts/AC1/Messages.json"  # public, no DNS
    message = OutboundMessage(channel="sms", connection="Twilio", summary={"to": "+447700900123"},
                              method="POST", url=url, headers={"Authorization": "Basic eA=="},
                              body=b"To=%2B447700900123&Body=Your+order+shipped",
                              simulated={"sid": "SM-simulated"})
    with capturing() as capture:
        answer = deliver(message, None)
    assert outbox.messages == []
    [request] = capture.requests
    assert (request.method, request.url) == ("POST", url)
    assert request.body == b"To=%2B447700900123&Body=Your+order+shipped"
    assert answer.status == 200 and answer.body == {"sid": "SM-simulated"}
    # Outside a test run the configured backend gets it.
    deliver(message, None)
    assert len(outbox.messages) == 1
    outbox.messages.clear()


def test_a_captured_request_shows_no_credential_of_the_connection() -> None:
    """A test run's report shows the provider's request as it would be sent, but not
    the connection's secrets: not the Authorization header's credentials, not a
    routing key in the body, not a webhook address that is itself the secret. A
    form body reads as one line per field."""
    import base64

    from workflows_app.channels.message import OutboundMessage
    from workflows_app.channels.sending import deliver

    token, key = "tw-token-5e1d0c9b8a", "R0123456789abcdef0123456789abcde"
    basic = base64.b64encode(f"AC1:{token}".encode()).decode()
    hook = "https://93.184.216.34/services/T000/B000/XXXXSECRETXXXX"
    messages = [
        OutboundMessage(channel="sms", connection="Twilio", summary={}, method="POST",
                        url="https://93.184.216.34/2010-04-01/Accounts/AC1/Messages.json",
                        headers={"Authorization": f"Basic {basic}",
                                 "Content-Type": "application/x-www-form-urlencoded"},
                        body=f"To=%2B447700900123&Body=Your+order+shipped&T={token}".encode(),
                        simulated={"sid": "SM1"}, secrets=[token]),
        OutboundMessage(channel="PagerDuty", connection="On-call", summary={}, method="POST",
                        url="https://93.184.216.34/v2/enqueue",
                        headers={"Content-Type": "application/json"},
                        body=json.dumps({"routing_key": key, "event_action": "trigger"}).encode(),
                        secrets=[key]),
        OutboundMessage(channel="chat", connection="Slack", summary={}, method="POST",
                        url=hook, headers={}, body=b'{"text": "hi"}', simulated="ok",
                        secrets=[hook]),
    ]
    with capturing() as capture:
        for message in messages:
            deliver(message, None)
    shown = json.dumps([request.as_dict() for request in capture.requests])
    for secret in (token, basic, key, "XXXXSECRETXXXX"):
        assert secret not in shown
    sms, page, chat = capture.requests
    assert sms.headers["Authorization"] == "Basic [redacted]"
    assert sms.body_text == "To: +447700900123\nBody: Your order shipped\nT: [redacted]"
    assert json.loads(page.body_text) == {"routing_key": "[redacted]",
                                          "event_action": "trigger"}
    assert chat.url == "https://93.184.216.34/[redacted]"


def test_the_capture_is_scoped_to_its_context(smtp_server: Any) -> None:
    """Mail sent outside a capture is sent as usual, also while one is open elsewhere."""
    with capturing() as capture:
        django_mail.send_mail("Inside", "body", None, ["a@example.com"])
    django_mail.send_mail("Outside", "body", None, ["b@example.com"])
    assert [email.subject for email in capture.emails] == ["Inside"]
    assert [message["Subject"] for _, message in smtp_server.messages()] == ["Outside"]


def test_a_test_run_runs_nested_steps_in_place(root: Client, smtp_server: Any,
                                              buyer_order: Order) -> None:
    def mail(key: str, subject: str) -> dict[str, Any]:
        return {"key": key, "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": subject, "body": "-"}}

    definition = {
        "schema_version": 1, "name": "Nested", "trigger": ORDER_CREATED,
        "steps": [
            {"key": "route", "type": "branch", "params": {"paths": [
                {"label": "Big order", "when": {"ref": "record.total_amount", "op": "gte",
                                                "value": 1000},
                 "steps": [mail("tell_sales", "Big {{ record.number }}")]}],
                "otherwise": [mail("tell_shop", "Small {{ record.number }}")]}},
            {"key": "each", "type": "for_each", "params": {
                "items": ["disk", "cpu"],
                "steps": [mail("per_item", "Item {{ item_index }} {{ item }}")]}},
            {"key": "fan", "type": "parallel", "params": {"branches": [
                {"label": "Stock", "steps": [mail("stock", "Stock {{ record.number }}")]},
                {"label": "Credit", "steps": [mail("credit", "Credit")]}]}},
        ]}
    report = root.post(RUN, {"definition": json.dumps(definition),
                             "record_search": "A-1001"}).context["report"]
    assert report.status == "succeeded", report.error
    steps = {step.key: step for step in report.steps}
    assert [key for key in steps] == [
        "route", "route.tell_shop", "each", "each[0].per_item", "each[1].per_item", "fan",
        "fan.branches[0].stock", "fan.branches[1].credit"]
    assert all(step.status == "succeeded" for step in report.steps)
    assert steps["route"].outputs == {"path": "otherwise", "path_index": 0}
    assert steps["each[1].per_item"].label.startswith("Item 2")
    assert steps["fan.branches[1].credit"].label.startswith("Credit")
    assert [email.subject for email in report.emails] == [
        "Small A-1001", "Item 0 disk", "Item 1 cpu", "Stock A-1001", "Credit"]
    assert smtp_server.messages() == []
