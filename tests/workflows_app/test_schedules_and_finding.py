"""Issue 11, item 5 — a schedule picker with the next five runs in the workflow's
timezone, and "Why didn't it run?" finding a record by what staff know."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.workflows_app.support import customer, order
from tests.workflows_app.test_admin_builder import client_for, make_user
from workflows_app.execution.queue import drain
from workflows_app.services import save_definition
from workflows_app.triggers.schedule.picker import (
    SchedulePick,
    cron_for,
    next_runs,
    pick_for,
    run_text,
)

CRON = reverse("admin:workflows_app_workflow_builder_cron")
WHY = reverse("admin:workflows_app_event_why")


@pytest.fixture
def root(db: None) -> Client:
    return client_for(make_user("root", superuser=True))


@pytest.mark.parametrize(("pick", "cron"), [
    (SchedulePick("daily", at="07:30"), "30 7 * * *"),
    (SchedulePick("weekdays", at="09:00"), "0 9 * * 1-5"),
    (SchedulePick("minutes", minutes=15), "*/15 * * * *"),
    (SchedulePick("minutes", minutes=1), "* * * * *"),
    (SchedulePick("monthly", day=1, at="08:05"), "5 8 1 * *"),
])
def test_each_common_schedule_writes_its_cron_text_and_reads_back(pick: SchedulePick,
                                                                 cron: str) -> None:
    assert cron_for(pick) == cron
    back = pick_for(cron)
    assert (back.kind, cron_for(back)) == (pick.kind, cron)


def test_other_cron_text_is_the_advanced_form() -> None:
    for text in ("0 9 * * 1,3", "0 */2 * * *", "15 10 1-7 * 1"):
        assert pick_for(text).kind == "advanced"
        assert pick_for(text).cron == text


def test_next_runs_are_in_the_workflows_timezone_across_a_clock_change() -> None:
    # Friday 27 March 2026, noon UTC; Berlin moves to summer time on Sunday 29 March.
    after = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    runs = next_runs("0 9 * * 1-5", "Europe/Berlin", after=after)
    assert [run.isoformat() for run in runs] == [
        "2026-03-30T09:00:00+02:00", "2026-03-31T09:00:00+02:00",
        "2026-04-01T09:00:00+02:00", "2026-04-02T09:00:00+02:00",
        "2026-04-03T09:00:00+02:00"]
    assert run_text(runs[0]) == "Mon 30 Mar 2026, 09:00"
    utc = next_runs("0 9 * * 1-5", "UTC", after=after)
    assert utc[0].isoformat() == "2026-03-30T09:00:00+00:00"


def test_the_picker_endpoint_composes_describes_and_lists_the_next_runs(root: Client) -> None:
    data = root.get(CRON, {"kind": "weekdays", "at": "09:00",
                           "timezone": "America/New_York"}).json()
    assert data["cron"] == "0 9 * * 1-5" and data["problem"] is None
    assert data["description"] == "At 09:00, Monday through Friday"
    assert data["picker"]["kind"] == "weekdays"
    assert len(data["next_runs"]) == 5
    for item in data["next_runs"]:
        moment = datetime.fromisoformat(item["at"])
        assert (moment.hour, moment.minute, moment.weekday() < 5) == (9, 0, True)
        assert moment.utcoffset().total_seconds() in (-5 * 3600, -4 * 3600)  # New York
    # Cron text typed by hand selects the matching choice.
    data = root.get(CRON, {"cron": "*/10 * * * *"}).json()
    assert data["picker"] == {"kind": "minutes", "at": "09:00", "minutes": 10, "day": 1,
                              "cron": "*/10 * * * *"}
    assert data["timezone"] == "UTC" and len(data["next_runs"]) == 5


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"kind": "daily", "at": "25:00"}, "at", "“25:00” is not a time of day"),
    ({"kind": "minutes", "minutes": "0"}, "minutes", "choose from 1 to 59 minutes"),
    ({"kind": "minutes", "minutes": "lots"}, "minutes", "“lots” is not a number of minutes"),
    ({"kind": "monthly", "day": "32", "at": "09:00"}, "day", "choose from 1 to 31"),
    ({"cron": "0 9 * *"}, "cron", "has 4 fields"),
    ({"cron": "0 9 * * \x00"}, "cron", "is not a valid cron expression"),
])
def test_a_bad_choice_is_named_in_words(root: Client, query: dict[str, str], field: str,
                                        message: str) -> None:
    response = root.get(CRON, query)
    assert response.status_code == 200
    data = response.json()
    assert data["field"] == field and message in data["problem"]
    assert data["next_runs"] == []


def test_an_unknown_timezone_lists_no_runs_and_says_why(root: Client) -> None:
    data = root.get(CRON, {"cron": "0 9 * * *", "timezone": "Mars/Olympus"}).json()
    assert data["problem"] is None and data["next_runs"] == []
    assert "not a known timezone" in data["timezone_problem"]
    assert root.get(CRON, {"cron": "0 9 * * *", "timezone": "../../etc/passwd"}).json()[
        "next_runs"] == []


def test_a_schedule_workflow_page_shows_the_next_five_runs(root: Client) -> None:
    workflow = save_definition({
        "schema_version": 1, "name": "Weekday reminder",
        "trigger": {"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Asia/Tokyo"},
        "steps": [{"key": "mail", "type": "email.send",
                   "params": {"to": ["ops@example.com"], "subject": "Stand-up",
                              "body": "Nine o'clock."}}]}, activate=True).workflow
    page = root.get(reverse("admin:workflows_app_workflow_change",
                            args=[workflow.pk])).content.decode()
    assert "Next runs (Asia/Tokyo)" in page
    expected = " · ".join(run_text(moment) for moment in
                          next_runs("0 9 * * 1-5", "Asia/Tokyo"))
    assert expected in page


# -- "Why didn't it run?" by what staff know -----------------------------------------------


@pytest.fixture
def explained_order(db: None) -> Any:
    save_definition({
        "schema_version": 1, "name": "Big orders",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "conditions": {"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]},
        "steps": [{"key": "mail", "type": "email.send",
                   "params": {"to": ["ops@example.com"], "subject": "Big", "body": "Big"}}]},
        activate=True)
    buyer = customer("Ada Lovelace", "ada@example.org")
    placed = order("250.00", number="A-1003", customer_obj=buyer)
    order("99.00", number="B-2000", customer_obj=customer("Grace Hopper", "grace@example.org"))
    drain()
    return placed


@pytest.mark.parametrize("known", ["A-1003", "a-1003", "ada@example.org", "Ada Lovelace"])
def test_why_finds_the_record_by_what_staff_know(root: Client, explained_order: Any,
                                                 known: str) -> None:
    page = root.get(WHY, {"model": "demo.order", "pk": known}).content.decode()
    assert "Order A-1003 created" in page
    assert "Order B-2000" not in page
    assert "Big orders" in page and "conditions not met" in page


def test_why_still_finds_a_record_by_its_id(root: Client, explained_order: Any) -> None:
    page = root.get(WHY, {"model": "demo.order", "pk": explained_order.pk}).content.decode()
    assert "Order A-1003 created" in page
    page = root.get(WHY, {"model": "demo.order", "pk": "Z-404"}).content.decode()
    assert 'id="wf-why-none"' in page
