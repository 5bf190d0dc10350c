""""Test with…" on the builder page, in a real browser: the draft runs in the
sandbox, the page shows the e-mail it would send, and the SMTP server (aiosmtpd)
receives nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from config.demo.models import Customer, Order
from tests.e2e.test_builder import PASSWORD, log_in
from tests.workflows_app.test_sandbox import smtp_server  # noqa: F401  (fixture)
from workflows_app.models import Event, Run
from workflows_app.services import save_definition

pytestmark = pytest.mark.e2e

DEFINITION = {
    "schema_version": 1, "name": "Confirm submitted orders",
    "trigger": {"type": "model.updated", "model": "demo.order"},
    "steps": [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        {"key": "mail", "type": "email.send",
         "params": {"to": [{"ref": "record.customer.email"}],
                    "subject": "Your order {{ record.number }} is confirmed",
                    "body": "Hello {{ record.customer.name }}, we are on it."}},
    ],
}


def test_test_with_a_record_shows_the_mail_and_sends_nothing(
        page: Page, live_server: Any, django_user_model: Any, smtp_server: Any) -> None:  # noqa: F811
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    buyer = Customer.objects.create(name="Grace Hopper", email="grace@example.org")
    order = Order.objects.create(number="A-1042", customer=buyer, total_amount=120)
    order.total_amount = 130
    order.save()  # an update event: what the backtest looks at
    workflow = save_definition(DEFINITION).workflow  # saved, not active
    events, runs = Event.objects.count(), Run.objects.count()

    log_in(page, live_server.url, "ada", f"/admin/workflows_app/workflow/{workflow.pk}/change/")
    panel = page.locator("#wf-test-panel")
    panel.get_by_role("button", name="Test with…").click()
    search = panel.locator("#wf-test-record-search")
    search.fill("a-1042")
    panel.get_by_role("button", name="Find").click()
    expect(panel.locator("#wf-test-record")).to_have_value(str(order.pk))
    panel.get_by_role("button", name="Run the test").click()

    result = panel.locator("#wf-test-result")
    expect(result).to_contain_text("would succeed")
    expect(result).to_contain_text("Nothing was sent, and every change to records was undone.")
    email = result.locator(".wf-test-email")
    expect(email.locator(".wf-test-email-to")).to_have_text("grace@example.org")
    expect(email.locator(".wf-test-email-subject")).to_have_text(
        "Your order A-1042 is confirmed")
    expect(email.locator(".wf-test-email-body")).to_have_text(
        "Hello Grace Hopper, we are on it.")
    expect(result.locator(".wf-test-changes")).to_contain_text("status new → confirmed")

    panel.get_by_role("button", name="Backtest").click()
    expect(panel.locator("#wf-backtest-result")).to_contain_text(
        "Over the last event, this draft would have started 1 run.")

    assert smtp_server.messages() == []
    order.refresh_from_db()
    assert order.status == "new"
    assert (Event.objects.count(), Run.objects.count()) == (events, runs)


def test_the_schedule_picker_writes_the_cron_text_and_lists_the_next_runs(
        page: Page, live_server: Any, django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    workflow = save_definition({
        "schema_version": 1, "name": "Weekday reminder",
        "trigger": {"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
        "steps": [{"key": "mail", "type": "email.send",
                   "params": {"to": ["ops@example.com"], "subject": "Stand-up",
                              "body": "Nine o'clock."}}]}).workflow
    log_in(page, live_server.url, "ada", f"/admin/workflows_app/workflow/{workflow.pk}/change/")
    picker = page.locator(".wb-schedule")
    expect(picker.get_by_label("How often")).to_have_value("weekdays")
    expect(picker.get_by_label("Time of day")).to_have_value("09:00")
    expect(picker.locator(".wb-next-runs")).to_contain_text("Next runs (Europe/Berlin):")
    expect(picker.locator(".wb-next-runs-list")).to_contain_text("09:00")

    picker.get_by_label("How often").select_option(label="Every N minutes")
    picker.get_by_label("Every how many minutes").fill("10")
    expect(picker.get_by_label("Schedule (cron)")).to_have_value("*/10 * * * *")
    expect(picker.locator(".wb-cron-description")).to_have_text("Every 10 minutes")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 2")
    workflow.refresh_from_db()
    assert workflow.trigger_config == {"cron": "*/10 * * * *", "timezone": "Europe/Berlin"}
