"""The issue's five everyday workflows, built in Chromium as a shop manager would:
picking from lists, typing plain text, never JSON, quotes or a path (the
webhook's fields are learned from a sample body, pasted as the monitoring
system documents it). Each is saved, activated, triggered for real, and its
outcome read in the run history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.builder_actions import save_and_activate
from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from workflows_app.execution.queue import drain
from workflows_app.models import Run, Workflow

pytestmark = pytest.mark.e2e

ADD = "/admin/workflows_app/workflow/add/"


# -- what a person does in the builder -----------------------------------------------------

def new_workflow(page: Page, base: str, name: str, trigger: str) -> None:
    page.goto(f"{base}{ADD}")
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    page.fill("#id_name", name)
    page.get_by_label(trigger).check()
    wait_for_scope(page)


def trigger_setting(page: Page, label: str, option: str) -> None:
    page.locator("#wb-trigger-config").get_by_label(label).select_option(label=option)
    wait_for_scope(page)


def condition(page: Page, what: str, comparison: str) -> Any:
    conditions = page.locator("#wb-conditions")
    adders = conditions.get_by_role("button", name="+ Add a condition")
    if adders.count():
        adders.click()
    else:
        conditions.get_by_role("button", name="+ Condition (AND)").first.click()
    leaf = conditions.locator(".wb-leaf").last
    leaf.get_by_label("Value to test").select_option(label=what)
    leaf.get_by_label("Comparison").select_option(label=comparison)
    return leaf


def add_step(page: Page, label: str, title: str) -> Any:
    page.get_by_role("button", name="+ Add a step").click()
    page.locator("#wb-catalogue .wb-catalogue-item",
                 has=page.get_by_text(label, exact=True)).click()
    wait_for_scope(page)
    step = page.locator("#wb-steps > .wb-step-list > .wb-step").last
    step.locator(".wb-step-label").fill(title)
    wait_for_scope(page)
    return step


def param(step: Any, name: str) -> Any:
    return step.locator(f'[data-path$=".params.{name}"]').first


def send_email(page: Page, title: str, to: str, subject: str, body: str) -> Any:
    step = add_step(page, "Send an e-mail", title)
    param(step, "to").locator("input").first.fill(to)
    param(step, "subject").locator("textarea").fill(subject)
    param(step, "body").locator("textarea").fill(body)
    return step


def outcome_in_run_history(page: Page, base: str, workflow: Workflow) -> str:
    """The run's status as the runs list shows it, after opening the run."""
    page.goto(f"{base}/admin/workflows_app/run/?workflow__id__exact={workflow.pk}")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    status = (rows.first.locator(".wf-badge").first.text_content() or "").strip().capitalize()
    rows.first.locator("a").first.click()
    return status


def next_weekday_nine() -> datetime:
    """9:01 in Paris on the next weekday after now (the workflow exists by then)."""
    moment = timezone.now().astimezone(ZoneInfo("Europe/Paris")) + timedelta(days=1)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment.replace(hour=9, minute=1, second=0, microsecond=0)


# -- the five workflows ---------------------------------------------------------------------

def test_five_everyday_workflows(page: Page, live_server: Any, django_user_model: Any,
                                 settings: Any) -> None:
    from config.demo.models import Customer, Order, Payment
    from workflows_app.triggers.schedule.firing import fire_due_schedules
    from workflows_app.triggers.schedule.trigger import Schedule

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    base = live_server.url
    log_in(page, base, "ada", ADD)
    customer = Customer.objects.create(name="Grace Hopper", email="grace@example.com")

    # 1. New order processing: big orders are confirmed and operations told.
    new_workflow(page, base, "New order processing", "A record is created")
    trigger_setting(page, "Model", "Order (demo.order)")
    condition(page, "Total amount (Number)", "is at least").locator(
        ".wb-leaf-value input").fill("10000")
    confirm = add_step(page, "Update a record", "Confirm the order")
    # A model trigger offers the order as it is when the step runs ("now") beside
    # the snapshot taken when it happened.
    param(confirm, "record").get_by_label("Record: reference").select_option(
        label="Order now (Record)")
    wait_for_scope(page)
    param(confirm, "fields").get_by_label("Add a field to set").select_option(label="Status")
    param(confirm, "fields").locator(".wb-record-field select").last.select_option(
        label="Confirmed")
    mail_ops = send_email(page, "Tell operations", "ops@example.com", "New order ",
                          "A big one.")
    param(mail_ops, "subject").get_by_label("Insert variable").select_option(
        label="Number (Text)")
    orders = save_and_activate(page, "New order processing")

    # 2. Approval reminder: two days after an order is submitted, remind the approver.
    new_workflow(page, base, "Approval reminder", "A record is updated")
    trigger_setting(page, "Model", "Order (demo.order)")
    condition(page, "Status (Choice)", "changed to").locator(
        ".wb-leaf-value select").last.select_option(label="Submitted")
    wait = add_step(page, "Wait", "Give the approver two days")
    param(wait, "duration").locator("input").fill("2 days")
    send_email(page, "Remind the approver", "approver@example.com", "Please approve",
               "An order waits for you.")
    reminders = save_and_activate(page, "Approval reminder")

    # 3. Payment received: mark the order paid and thank the customer.
    new_workflow(page, base, "Payment received", "An event happens")
    trigger_setting(page, "Event", "A payment is received")
    paid = add_step(page, "Update a record", "Mark the order paid")
    param(paid, "record").get_by_label("Record: reference").select_option(label="Order (Record)")
    wait_for_scope(page)
    param(paid, "fields").get_by_label("Add a field to set").select_option(label="Status")
    param(paid, "fields").locator(".wb-record-field select").last.select_option(label="Paid")
    thanks = send_email(page, "Thank the customer", "x@example.com", "Thank you",
                        "We received your payment.")
    to_row = param(thanks, "to").locator(".wb-list-row").first
    to_row.locator(".wb-mode").select_option(label="Reference")
    to_row.locator(".wb-ref-select").select_option(
        label="Order \u203a Customer \u203a Email (E-mail address)")
    payments = save_and_activate(page, "Payment received")

    # 4. Critical alert from a monitoring webhook: page on-call for critical ones only.
    new_workflow(page, base, "Critical alert", "A webhook is received")
    # The monitoring system's documented body, pasted: its fields become choices.
    page.locator("#wb-trigger-config").get_by_label("Sample payload").fill(
        '{"severity": "critical", "service": "checkout"}')
    wait_for_scope(page)
    leaf = condition(page, "Severity (Text)", "is")
    leaf.locator(".wb-leaf-value input").fill("critical")  # no quotes
    send_email(page, "Page on-call", "oncall@example.com", "Critical alert",
               "Monitoring says it is critical.")
    alerts = save_and_activate(page, "Critical alert")
    hook_url = page.locator("#wb-webhook-url").inner_text()

    # 5. A weekday 9:00 reminder.
    new_workflow(page, base, "Weekday stand-up", "On a schedule")
    page.locator("#wb-trigger-config .wb-cron").fill("0 9 * * 1-5")
    expect(page.locator(".wb-cron-description")).not_to_be_empty()
    page.locator("#wb-trigger-config").get_by_label("Timezone").select_option("Europe/Paris")
    send_email(page, "Remind the team", "team@example.com", "Stand-up at 9:15",
               "See you there.")
    standup = save_and_activate(page, "Weekday stand-up")

    # -- what happens ----------------------------------------------------------------------
    big = Order.objects.create(number="A-1001", customer=customer,
                               total_amount=Decimal("12000"))
    small = Order.objects.create(number="A-1002", customer=customer,
                                 total_amount=Decimal("50"))
    small.status = "submitted"
    small.save()
    Payment.objects.create(order=small, amount=Decimal("50"))
    assert page.request.post(hook_url, data={"severity": "low"}).ok
    assert page.request.post(hook_url, data={"severity": "critical"}).ok
    fire_due_schedules(Schedule(), now=next_weekday_nine())
    drain()

    big.refresh_from_db()
    small.refresh_from_db()
    assert big.status == "confirmed"
    assert small.status == "paid"
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["Critical alert", "New order A-1001", "Stand-up at 9:15",
                        "Thank you"]
    assert [message.to for message in mail.outbox if message.subject == "Thank you"] == [
        ["grace@example.com"]]
    assert Run.objects.filter(workflow=alerts).count() == 1  # "low" did not match

    # -- read it in the run history, as support would ----------------------------------------
    assert outcome_in_run_history(page, base, orders) == "Succeeded"
    expect(page.locator(".wf-step-title")).to_have_text(["Confirm the order", "Tell operations"])
    assert outcome_in_run_history(page, base, reminders) == "Waiting"
    expect(page.locator(".wf-step-title").first).to_have_text("Give the approver two days")
    assert outcome_in_run_history(page, base, payments) == "Succeeded"
    assert outcome_in_run_history(page, base, alerts) == "Succeeded"
    expect(page.locator(".wf-step-title")).to_have_text(["Page on-call"])
    assert outcome_in_run_history(page, base, standup) == "Succeeded"
