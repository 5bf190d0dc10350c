"""A schedule set through the picker and a date set through its date, time and
timezone inputs, in Chromium: the inputs are the server's Django form fields
(rendered again through htmx as they change), the next runs are listed in the
trigger's timezone, a bad choice is said at the field and blocks Save, and what
is saved is the definition as before (cron text; ISO 8601 with the offset).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from workflows_app.models import Workflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADD = reverse("admin:workflows_app_workflow_add")


def test_a_schedule_and_a_date_through_the_servers_inputs(
        page: Page, live_server: Any, django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    log_in(page, live_server.url, "ada", ADD)
    page.fill("#id_name", "Morning wait")
    page.get_by_label("On a schedule").check()
    wait_for_scope(page)

    settings = page.locator("#wb-trigger-config")
    picker = settings.locator(".wb-schedule")
    # A new schedule starts as weekdays at 09:00, in the default timezone.
    expect(picker.get_by_label("How often")).to_have_value("weekdays")
    expect(picker.locator(".wb-next-runs")).to_contain_text("Next runs (UTC):")

    picker.get_by_label("How often").select_option(label="Every day at")
    picker.get_by_label("Time of day").fill("07:30")
    expect(picker.get_by_label("Schedule (cron)")).to_have_value("30 7 * * *")
    expect(picker.locator(".wb-cron-description")).to_have_text("At 07:30")
    settings.get_by_label("Timezone").select_option("Europe/Paris")
    expect(picker.locator(".wb-next-runs")).to_contain_text("Next runs (Europe/Paris):")
    runs = picker.locator(".wb-next-runs-list")
    expect(runs).to_contain_text("07:30")
    assert (runs.text_content() or "").count(", 07:30") == 5

    # A bad time is said at the field and blocks Save.
    picker.get_by_label("How often").select_option(label="Every N minutes")
    picker.get_by_label("Every how many minutes").fill("90")
    expect(picker.locator(".wb-local-error")).to_have_text(
        "Every how many minutes: choose from 1 to 59 minutes.")
    picker.get_by_label("Every how many minutes").fill("20")
    expect(picker.get_by_label("Schedule (cron)")).to_have_value("*/20 * * * *")
    expect(picker.locator(".wb-local-error")).to_have_count(0)
    # Cron text typed selects the common schedule it is.
    picker.get_by_label("Schedule (cron)").fill("0 8 1 * *")
    expect(picker.get_by_label("How often")).to_have_value("monthly")
    expect(picker.get_by_label("Day of the month")).to_have_value("1")
    expect(picker.get_by_label("Time of day")).to_have_value("08:00")
    expect(runs).to_contain_text("1 Jan 2027, 08:00")

    page.get_by_role("button", name="+ Add a step").click()
    page.locator("#wb-catalogue .wb-catalogue-item",
                 has=page.get_by_text("Wait", exact=True)).click()
    wait_for_scope(page)
    until = page.locator('[data-path="steps[0].params.until"]')
    until.get_by_label("Until: date").fill("2027-07-01")
    until.get_by_label("Until: time", exact=True).fill("09:30")
    until.get_by_label("Until: timezone").select_option("Europe/Paris")
    expect(page.locator("#id_definition")).to_have_value(
        re.compile(re.escape('"until": "2027-07-01T09:30:00+02:00"')))

    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    workflow = Workflow.objects.get(name="Morning wait")
    version = workflow.versions.get()
    assert version.definition["trigger"] == {"type": "schedule", "cron": "0 8 1 * *",
                                             "timezone": "Europe/Paris"}
    assert version.definition["steps"][0]["params"]["until"] == "2027-07-01T09:30:00+02:00"

    # Opened again, the stored values show in the same inputs.
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    until = page.locator('[data-path="steps[0].params.until"]')
    expect(until.get_by_label("Until: date")).to_have_value("2027-07-01")
    expect(until.get_by_label("Until: time", exact=True)).to_have_value("09:30")
    expect(until.get_by_label("Until: timezone")).to_have_value("+02:00")
    expect(page.locator(".wb-schedule").get_by_label("How often")).to_have_value("monthly")
    assert problems == []
