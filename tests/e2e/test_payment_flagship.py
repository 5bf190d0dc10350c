"""The everyday case from end to end, in Chromium, through the admin only: "when a
payment arrives, mark the order paid, text the customer, give the account manager a
task, and if nobody confirms in 2 days, page on-call".

A shop manager builds it in the builder from lists and plain words (no JSON, no
path, no quotes), tries the draft with "Test with…" on a payment already received
(nothing is sent, the order is unchanged), saves it live, and a payment arrives.
The SMS and PagerDuty endpoints are pytest-httpserver receivers answering in
Twilio's and PagerDuty's real formats. Nobody confirms: two days later (the
approval's deadline moved to now) on-call is paged, once; support reads the run.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from tests.e2e.test_five_workflows import add_step, new_workflow, param, trigger_setting
from workflows_app.execution.queue import drain
from workflows_app.models import Approval, ApprovalStatus, Run, RunStatus, StepRun, Task

pytestmark = pytest.mark.e2e

SID = "AC0123456789abcdef0123456789abcdef"
SMS_PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
PAGE_PATH = "/v2/enqueue"
NAME = "Payment received"


def twilio_answer(request: Request) -> Response:
    form = parse_qs(request.get_data(as_text=True))
    return Response(json.dumps({"sid": "SM0123", "status": "queued", "to": form["To"][0],
                                "from": form["From"][0], "body": form["Body"][0]}),
                    status=201, content_type="application/json")


def pagerduty_answer(request: Request) -> Response:
    return Response(json.dumps({"status": "success", "message": "Event processed",
                                "dedup_key": request.get_json()["dedup_key"]}),
                    status=202, content_type="application/json")


def test_payment_text_task_and_page_on_call_when_nobody_confirms(
        page: Page, live_server: Any, httpserver: HTTPServer, django_user_model: Any,
        settings: Any) -> None:
    from django.contrib.auth.models import Group

    from config.demo.models import Customer, Order, Payment
    from workflows_app.models import Connection

    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"],
                          "CHANNEL_BACKEND": "workflows_app.channels.backends.http.HttpBackend"}
    httpserver.expect_request(SMS_PATH, method="POST").respond_with_handler(twilio_answer)
    httpserver.expect_request(PAGE_PATH, method="POST").respond_with_handler(pagerduty_answer)
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    managers = Group.objects.create(name="Account managers")
    mia = django_user_model.objects.create_user("mia", "mia@example.com", PASSWORD,
                                                is_staff=True)
    mia.groups.add(managers)
    sms = Connection(name="Shop SMS", kind="twilio_sms", settings={
        "account_sid": SID, "from_number": "+15017122661",
        "api_url": httpserver.url_for("/").rstrip("/")})
    sms.set_secret("auth_token", "tw-token")
    sms.save()
    pager = Connection(name="On-call", kind="pagerduty",
                       settings={"events_url": httpserver.url_for(PAGE_PATH)})
    pager.set_secret("routing_key", "R0123456789abcdef0123456789abcde")
    pager.save()
    customer = Customer.objects.create(name="Grace Hopper", email="grace@example.com",
                                       phone="+44 20 7183 8750")
    earlier = Order.objects.create(number="A-1000", customer=customer,
                                   total_amount=Decimal("80"))
    Payment.objects.create(order=earlier, amount=Decimal("80"), method="card")
    base = live_server.url

    # -- built in the builder ------------------------------------------------------------
    log_in(page, base, "ada", "/admin/workflows_app/workflow/add/")
    new_workflow(page, base, NAME, "An event happens")
    trigger_setting(page, "Event", "A payment is received")

    paid = add_step(page, "Update a record", "Mark the order paid")
    param(paid, "record").get_by_label("Record: reference").select_option(label="Order (Record)")
    wait_for_scope(page)
    param(paid, "fields").get_by_label("Add a field to set").select_option(label="Status")
    param(paid, "fields").locator(".wb-record-field select").last.select_option(label="Paid")

    text = add_step(page, "Send an SMS", "Text the customer")
    param(text, "connection").locator("select").select_option(label="Shop SMS")
    param(text, "to").locator(".wb-mode").select_option(label="Reference")
    param(text, "to").locator(".wb-ref-select").select_option(
        label="Order \u203a Customer \u203a Phone (Phone number)")
    param(text, "body").locator("textarea").fill("Thank you, we received your payment for ")
    param(text, "body").get_by_label("Insert variable").select_option(
        label="Order \u203a Number (Text)")

    task = add_step(page, "Create a task", "Call the customer")
    param(task, "title").locator("textarea").fill("Call the customer about ")
    param(task, "title").get_by_label("Insert variable").select_option(
        label="Order \u203a Number (Text)")
    param(task, "assignee").locator("select.wb-select").select_option(
        label="Group: Account managers")
    param(task, "due").locator("input").fill("in 2 days")

    confirm = add_step(page, "Ask for approval", "Confirm the payment")
    groups = param(confirm, "assignees").locator('[data-path$=".groups"]')
    groups.get_by_role("button", name="Add").click()
    groups.locator("input").last.fill("Account managers")
    param(confirm, "title").locator("textarea").fill("Confirm the payment for ")
    param(confirm, "title").get_by_label("Insert variable").select_option(
        label="Order \u203a Number (Text)")
    param(confirm, "timeout").locator("input").fill("2 days")
    wait_for_scope(page)

    route = add_step(page, "Choose a path", "Nobody confirmed?")
    row = param(route, "paths").locator(".wb-struct").first
    row.get_by_label("Name").fill("Nobody confirmed in 2 days")
    row.get_by_role("button", name="+ Add a condition").click()
    leaf = row.locator(".wb-leaf").last
    # Grouped under the step's label, "Confirm the payment".
    leaf.get_by_label("Value to test").select_option(label="Decision (Choice)")
    leaf.get_by_label("Comparison").select_option(label="is")
    leaf.locator(".wb-leaf-value select").last.select_option(label="Timed out")
    row.locator(".wb-add-nested-step").last.select_option(label="Page on-call (PagerDuty)")
    wait_for_scope(page)
    page_step = row.locator(".wb-nested-step-list > .wb-step").last
    param(page_step, "connection").locator("select").select_option(label="On-call")
    param(page_step, "summary").locator("textarea").fill("Payment not confirmed for ")
    param(page_step, "summary").get_by_label("Insert variable").select_option(
        label="Order \u203a Number (Text)")
    assert "{" not in page.locator("#id_name").input_value()

    # -- tried before it goes live: nothing is sent, nothing changes -----------------------
    panel = page.locator("#wf-test-panel")
    panel.get_by_role("button", name="Test with…").click()
    expect(panel.locator("#wf-test-event")).to_be_visible()
    panel.locator("#wf-test-event").select_option(index=1)  # the payment for A-1000
    panel.get_by_role("button", name="Run the test").click()
    result = panel.locator("#wf-test-result")
    expect(result).to_contain_text("Nothing was sent, and every change to records was undone.")
    expect(result).to_contain_text(SMS_PATH)
    expect(result).to_contain_text("Body: Thank you, we received your payment for A-1000")
    expect(result).to_contain_text("Authorization: Basic [redacted]")
    expect(result).not_to_contain_text("tw-token")
    expect(result.locator(".wf-test-changes")).to_contain_text("paid")
    expect(result.locator(".wf-test-waits")).to_be_visible()
    assert len(httpserver.log) == 0
    earlier.refresh_from_db()
    assert earlier.status != "paid"

    page.click("#wb-save-activate")
    expect(page.locator(".messagelist")).to_contain_text("It is live")

    # -- a payment arrives ------------------------------------------------------------------
    order = Order.objects.create(number="A-1001", customer=customer,
                                 total_amount=Decimal("120"))
    Payment.objects.create(order=order, amount=Decimal("120"), method="card")
    drain(wait_for_delays=False, max_seconds=30)
    [run] = Run.objects.top_level().filter(workflow__name=NAME)
    assert run.status == RunStatus.WAITING, run.error
    order.refresh_from_db()
    assert order.status == "paid"
    [(sms_request, _)] = httpserver.log
    assert sms_request.path == SMS_PATH
    assert parse_qs(sms_request.get_data(as_text=True))["Body"] == [
        "Thank you, we received your payment for A-1001"]
    call = Task.objects.get(run=run)
    assert (call.title, call.assignee_group) == ("Call the customer about A-1001", managers)
    approval = Approval.objects.get(run=run)
    assert approval.title == "Confirm the payment for A-1001"
    assert approval.status == ApprovalStatus.PENDING

    # -- nobody confirms: two days later, on-call is paged once -----------------------------
    now = timezone.now()
    assert approval.due_at - now > timedelta(days=2) - timedelta(minutes=5)
    Approval.objects.filter(pk=approval.pk).update(due_at=now - timedelta(seconds=1))
    Run.objects.filter(pk=run.pk).update(due_at=now)
    StepRun.objects.filter(run=run, status="waiting").update(due_at=now)
    drain(wait_for_delays=False, max_seconds=30)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    pages = [request for request, _ in httpserver.log if request.path == PAGE_PATH]
    assert len(pages) == 1
    event = pages[0].get_json()
    assert event["event_action"] == "trigger"
    assert event["payload"]["summary"] == "Payment not confirmed for A-1001"

    # -- support reads the run ---------------------------------------------------------------
    page.goto(f"{base}/admin/workflows_app/run/{run.pk}/change/")
    titles = page.locator(".wf-step-title")
    expect(titles.first).to_have_text("Mark the order paid")
    body = page.locator("body")
    expect(titles).to_have_text(["Mark the order paid", "Text the customer",
                                 "Call the customer", "Confirm the payment",
                                 "Nobody confirmed?", "Step 1, Page on-call (PagerDuty)"])
    expect(body).to_contain_text("Decision: Timed out")
    expect(body).to_contain_text("Path taken: Nobody confirmed in 2 days")
