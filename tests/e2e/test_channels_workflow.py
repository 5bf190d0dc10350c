"""Messaging channels end to end, in Chromium, through the admin only.

A shop manager adds a Twilio SMS connection and a Slack connection, then builds
"Order total >= 10,000 -> SMS to the customer's phone, Slack message to #sales,
task for the sales manager due in 2 days, notify the manager", saves it live. A
qualifying order is created and the worker drains the queue. The provider
endpoints are pytest-httpserver receivers answering in Twilio's and Slack's real
formats (the connections' API and webhook addresses point at them). Then: the run
detail shows each channel's outcome, the receivers got the providers' requests,
and the sales manager, signed in, finds the task in My tasks and the notification
in the header's inbox.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_builder import PASSWORD, wait_for_scope
from tests.e2e.test_five_workflows import add_step, condition, new_workflow, param, trigger_setting
from tests.e2e.test_run_history import log_in
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunStatus, Task, Workflow

pytestmark = pytest.mark.e2e

SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "tw-token-5e1d0c9b8a"
SLACK_HOOK = "/services/T000/B000/XXXXSECRETXXXX"
MESSAGE_SID = "SM87105da94bff44b999e4e6eb90d8eb6"
NAME = "Big orders: tell everyone"


def shoot(page: Page, name: str) -> None:
    if os.environ.get("WORKFLOWS_SCREENSHOTS"):
        folder = ARTIFACTS / "channels"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def twilio_answer(request: Request) -> Response:
    """Twilio's 201 with the message resource."""
    form = parse_qs(request.get_data(as_text=True))
    return Response(json.dumps({"sid": MESSAGE_SID, "status": "queued", "to": form["To"][0],
                                "from": form["From"][0], "body": form["Body"][0]}),
                    status=201, content_type="application/json")


def add_connection(page: Page, base: str, kind: str, fields: dict[str, str]) -> None:
    page.goto(f"{base}/admin/workflows_app/connection/add/")
    page.get_by_role("link", name=kind, exact=True).click()
    expect(page.locator("#content h1")).to_have_text(f"Add connection: {kind}")
    for label, value in fields.items():
        page.get_by_label(f"{label}:", exact=True).fill(value)
    shoot(page, f"connection-{kind}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def test_big_order_workflow_over_sms_slack_task_and_notification(
        page: Page, browser: Any, live_server: Any, httpserver: HTTPServer,
        django_user_model: Any, settings: Any) -> None:
    from django.contrib.auth.models import Group

    from config.demo.models import Customer, Order

    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"],
                          "CHANNEL_BACKEND": "workflows_app.channels.backends.http.HttpBackend"}
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    manager = django_user_model.objects.create_user(
        "sam", "sam@example.com", PASSWORD, is_staff=True, first_name="Sam",
        last_name="Sales")
    manager.groups.add(Group.objects.create(name="Sales managers"))
    httpserver.expect_request(f"/2010-04-01/Accounts/{SID}/Messages.json",
                              method="POST").respond_with_handler(twilio_answer)
    httpserver.expect_request(SLACK_HOOK, method="POST").respond_with_data("ok")
    base = live_server.url

    # -- the connections, in the admin ------------------------------------------------------
    log_in(page, base, "ada", "/admin/")
    add_connection(page, base, "SMS (Twilio)", {
        "Name": "Shop SMS", "Account SID": SID, "Auth token": AUTH_TOKEN,
        "From number": "+15017122661",
        "API address": httpserver.url_for("/").rstrip("/")})
    add_connection(page, base, "Slack (incoming webhook)", {
        "Name": "Sales Slack", "Webhook URL": httpserver.url_for(SLACK_HOOK),
        "Default channel": "#general"})

    # -- the workflow, in the builder -------------------------------------------------------
    new_workflow(page, base, NAME, "A record is created")
    trigger_setting(page, "Model", "Order (demo.order)")
    condition(page, "Total amount (Number)", "is at least").locator(
        ".wb-leaf-value input").fill("10000")

    sms = add_step(page, "Send an SMS", "Text the customer")
    param(sms, "connection").locator("select").select_option(label="Shop SMS")
    param(sms, "to").locator(".wb-mode").select_option(label="Reference")
    param(sms, "to").locator(".wb-ref-select").select_option(
        label="Customer \u203a Phone (Phone number)")
    param(sms, "body").locator("textarea").fill("Thank you for order ")
    param(sms, "body").get_by_label("Insert variable").select_option(label="Number (Text)")

    slack = add_step(page, "Post a chat message", "Tell sales")
    param(slack, "connection").locator("select").select_option(label="Sales Slack")
    param(slack, "text").locator("textarea").fill("Big order ")
    param(slack, "text").get_by_label("Insert variable").select_option(label="Number (Text)")
    param(slack, "channel").locator("input").fill("#sales")

    task = add_step(page, "Create a task", "Call the customer")
    param(task, "title").locator("textarea").fill("Call the customer about ")
    param(task, "title").get_by_label("Insert variable").select_option(label="Number (Text)")
    param(task, "assignee").locator("select.wb-select").select_option(label="Sam Sales")
    param(task, "due").locator("input").fill("in 2 days")
    param(task, "record").locator(".wb-ref-select").select_option(label="Order now (Record)")
    wait_for_scope(page)

    tell = add_step(page, "Notify people in the app", "Tell the manager")
    param(tell, "users").locator("select").select_option(label="Sam Sales")
    param(tell, "title").locator("textarea").fill("Big order ")
    param(tell, "title").get_by_label("Insert variable").select_option(label="Number (Text)")
    param(tell, "body").locator("textarea").fill("A customer ordered over 10,000.")
    shoot(page, "builder")
    page.click("#wb-save-activate")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1. It is live")
    workflow = Workflow.objects.get(name=NAME)

    # -- a qualifying order (and one that does not qualify), then the worker ------------------
    customer = Customer.objects.create(name="Grace Hopper", email="grace@example.com",
                                       phone="+44 20 7183 8750")
    Order.objects.create(number="A-1002", customer=customer, total_amount=Decimal("9999"))
    big = Order.objects.create(number="A-1001", customer=customer,
                               total_amount=Decimal("12000"))
    drain(wait_for_delays=True, max_seconds=30)

    [run] = Run.objects.filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED, run.error

    # -- what the providers received ------------------------------------------------------------
    requests = {request.path: request for request, _ in httpserver.log}
    assert len(httpserver.log) == 2
    sms_request = requests[f"/2010-04-01/Accounts/{SID}/Messages.json"]
    assert sms_request.authorization.type == "basic"
    assert (sms_request.authorization.username,
            sms_request.authorization.password) == (SID, AUTH_TOKEN)
    assert sms_request.headers["I-Twilio-Idempotency-Token"] == f"{run.pk}:text_the_customer"
    assert parse_qs(sms_request.get_data(as_text=True)) == {
        "To": ["+442071838750"], "From": ["+15017122661"],
        "Body": ["Thank you for order A-1001"]}
    assert requests[SLACK_HOOK].get_json() == {"text": "Big order A-1001",
                                               "channel": "#sales"}

    # -- the run as support reads it ----------------------------------------------------------
    page.goto(f"{base}/admin/workflows_app/run/{run.pk}/change/")
    expect(page.locator(".wf-step-title")).to_have_text(
        ["Text the customer", "Tell sales", "Call the customer", "Tell the manager"])
    outcomes = page.locator(".wf-step-outcome")
    expect(outcomes.nth(0)).to_have_text(
        f"Message id: {MESSAGE_SID} · Status: queued · Sent to: +442071838750")
    expect(outcomes.nth(1)).to_have_text("Status code: 200 · Response: ok")
    expect(outcomes.nth(2)).to_contain_text(f"Task id: {Task.objects.get().pk} · Due at: ")
    expect(outcomes.nth(3)).to_have_text("People notified: 1")
    shoot(page, "run")

    # -- the sales manager's task and notification ------------------------------------------
    task_row = Task.objects.get(run=run)
    due = timezone.localtime(task_row.due_at)
    assert abs(task_row.due_at - (run.started_at + timedelta(days=2))) < timedelta(minutes=5)
    manager_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(manager_page, base, "sam", "/admin/")
    indicator = manager_page.locator("#wf-notifications")
    expect(indicator).to_have_attribute("data-unread", "1")
    manager_page.get_by_role("link", name="Tasks").first.click()
    expect(manager_page.locator("#content h1")).to_have_text("My tasks")
    rows = manager_page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Call the customer about A-1001")
    expect(rows.first).to_contain_text(due.strftime("%Y-%m-%d %H:%M"))
    expect(rows.first).to_contain_text("Sam Sales")
    expect(rows.first.get_by_role("link", name=str(big))).to_have_attribute(
        "href", f"/admin/demo/order/{big.pk}/change/")
    shoot(manager_page, "my-tasks")
    indicator.click()
    expect(manager_page.locator("#result_list")).to_contain_text("Big order A-1001")
    shoot(manager_page, "inbox")
    manager_page.locator("#result_list a", has_text="Big order A-1001").click()
    expect(manager_page.locator("#content")).to_contain_text("A customer ordered over 10,000.")
    expect(manager_page.locator("#wf-notifications")).to_have_attribute("data-unread", "0")
    manager_page.context.close()
