"""Schedules: each due time fires once (even with racing workers), in the workflow's
timezone, only the latest missed slot after downtime, never for inactive workflows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from workflows_app.models import Event, Run, RunStatus, ScheduleState, Workflow
from workflows_app.services import save_definition, set_active
from workflows_app.triggers.schedule import firing as schedules
from workflows_app.triggers.schedule.firing import FiredSlot, latest_slot
from workflows_app.triggers.schedule.trigger import Schedule

LONDON = ZoneInfo("Europe/London")


def fire_due_schedules(now: datetime) -> list[FiredSlot]:
    """The schedule trigger's periodic check, as a worker loop runs it at `now`."""
    return schedules.fire_due_schedules(Schedule(), now)


def schedule_workflow(cron: str = "0 9 * * *", tz: str | None = "Europe/London", *,
                      name: str = "Morning report", since: datetime | None = None,
                      steps: list | None = None, active: bool = True) -> Workflow:
    trigger = {"type": "schedule", "cron": cron}
    if tz:
        trigger["timezone"] = tz
    definition = {"schema_version": 1, "name": name, "trigger": trigger, "conditions": {},
                  "steps": steps or []}
    workflow = save_definition(definition, activate=active).workflow
    if since is not None:  # pretend it was saved/activated then
        Workflow.objects.filter(pk=workflow.pk).update(updated_at=since)
        workflow.refresh_from_db()
    return workflow


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def schedule_events() -> list[Event]:
    return list(Event.objects.filter(trigger_type="schedule").order_by("occurred_at"))


@pytest.mark.django_db
def test_each_slot_fires_once() -> None:
    workflow = schedule_workflow(since=utc(2026, 1, 14, 12))
    now = datetime(2026, 1, 15, 9, 0, 30, tzinfo=LONDON)
    [fired] = fire_due_schedules(now)
    assert fire_due_schedules(now) == []  # a second worker, or the next loop
    assert fire_due_schedules(now + timedelta(hours=3)) == []  # no new slot yet
    [event] = schedule_events()
    assert (fired.workflow_id, fired.event_id) == (workflow.pk, event.pk)
    assert (event.workflow_id, event.trigger_type) == (workflow.pk, "schedule")
    assert event.dedupe_key == f"schedule:{workflow.pk}:2026-01-15T09:00:00+00:00"
    assert event.payload == {"event": {"scheduled_for": "2026-01-15T09:00:00+00:00"}}
    assert event.occurred_at == utc(2026, 1, 15, 9)
    assert ScheduleState.objects.get(workflow=workflow).last_slot == utc(2026, 1, 15, 9)
    [tomorrow] = fire_due_schedules(now + timedelta(days=1))
    assert tomorrow.slot == datetime(2026, 1, 16, 9, tzinfo=LONDON)


@pytest.mark.django_db
def test_a_slot_is_not_fired_twice_even_without_the_state_row() -> None:
    """The unique dedupe key alone guarantees exactly once (e.g. a lost state row)."""
    schedule_workflow(since=utc(2026, 1, 14, 12))
    now = utc(2026, 1, 15, 9, 0, 30)
    assert len(fire_due_schedules(now)) == 1
    ScheduleState.objects.all().delete()
    assert fire_due_schedules(now) == []
    assert len(schedule_events()) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "utc_hour", "offset"), [
    ((2026, 1, 15), 9, "+00:00"),   # winter: GMT
    ((2026, 7, 15), 8, "+01:00"),   # summer: BST
])
def test_a_london_cron_fires_at_9_london_time_in_winter_and_summer(day, utc_hour,
                                                                   offset) -> None:
    workflow = schedule_workflow("0 9 * * *", "Europe/London",
                                 since=utc(*day, 0) - timedelta(hours=1))
    nine_london = utc(*day, utc_hour)
    assert fire_due_schedules(nine_london - timedelta(seconds=1)) == []
    [fired] = fire_due_schedules(nine_london)
    assert fired.slot == nine_london
    [event] = schedule_events()
    scheduled_for = f"{day[0]}-{day[1]:02d}-{day[2]}T09:00:00{offset}"
    assert event.payload["event"]["scheduled_for"] == scheduled_for
    assert event.dedupe_key == f"schedule:{workflow.pk}:{nine_london.isoformat()}"


@pytest.mark.django_db
def test_utc_is_the_default_timezone() -> None:
    schedule_workflow("30 6 * * *", tz=None, since=utc(2026, 7, 14))
    [fired] = fire_due_schedules(utc(2026, 7, 15, 6, 30))
    assert fired.slot == utc(2026, 7, 15, 6, 30)


@pytest.mark.django_db
def test_after_downtime_only_the_latest_missed_slot_fires() -> None:
    schedule_workflow("0 * * * *", "UTC", since=utc(2026, 1, 15, 0, 30))
    [fired] = fire_due_schedules(utc(2026, 1, 15, 4, 20))  # 01:00..04:00 were missed
    assert fired.slot == utc(2026, 1, 15, 4)
    assert [e.occurred_at for e in schedule_events()] == [utc(2026, 1, 15, 4)]
    [next_one] = fire_due_schedules(utc(2026, 1, 15, 5, 0, 5))
    assert next_one.slot == utc(2026, 1, 15, 5)


@pytest.mark.django_db
def test_a_new_or_reactivated_workflow_does_not_fire_a_slot_before_its_activation() -> None:
    workflow = schedule_workflow("0 9 * * *", "UTC", since=utc(2026, 1, 15, 10, 30))
    assert fire_due_schedules(utc(2026, 1, 15, 10, 31)) == []
    [fired] = fire_due_schedules(utc(2026, 1, 16, 9, 0, 10))
    assert fired.slot == utc(2026, 1, 16, 9)
    # Deactivated for days, then activated again at 10:30: the 09:00 of that day is
    # not fired late, the next day's is.
    Workflow.objects.filter(pk=workflow.pk).update(updated_at=utc(2026, 1, 20, 10, 30))
    assert fire_due_schedules(utc(2026, 1, 20, 10, 31)) == []
    assert len(fire_due_schedules(utc(2026, 1, 21, 9, 0, 10))) == 1


@pytest.mark.django_db
def test_a_slot_reached_just_before_a_save_still_fires() -> None:
    schedule_workflow("0 9 * * *", "UTC", since=utc(2026, 1, 15, 9, 0, 20))
    assert len(fire_due_schedules(utc(2026, 1, 15, 9, 0, 40))) == 1


@pytest.mark.django_db
def test_inactive_and_other_workflows_do_not_fire() -> None:
    inactive = schedule_workflow(name="Off", since=utc(2026, 1, 1), active=False)
    deactivated = schedule_workflow(name="Deactivated", since=utc(2026, 1, 1))
    set_active(deactivated, False)
    Workflow.objects.filter(pk=deactivated.pk).update(updated_at=utc(2026, 1, 1))
    save_definition({"schema_version": 1, "name": "Hook", "trigger": {"type": "webhook"},
                     "steps": []}, activate=True)
    assert fire_due_schedules(utc(2026, 1, 15, 9, 30)) == []
    assert schedule_events() == []
    assert not ScheduleState.objects.filter(workflow__in=[inactive, deactivated]).exists()


@pytest.mark.django_db
def test_a_broken_schedule_is_logged_and_skipped(caplog) -> None:
    broken = schedule_workflow(name="Broken", since=utc(2026, 1, 1))
    Workflow.objects.filter(pk=broken.pk).update(trigger_config={"cron": "nonsense"})
    good = schedule_workflow(name="Good", since=utc(2026, 1, 1))
    [fired] = fire_due_schedules(utc(2026, 1, 15, 9, 30))
    assert fired.workflow_id == good.pk
    assert f"could not fire the schedule of workflow {broken.pk}" in caplog.text


@pytest.mark.django_db
def test_a_fired_slot_runs_the_workflow_after_drain() -> None:
    workflow = schedule_workflow("* * * * *", "Europe/London", steps=[
        {"key": "report", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "Report",
            "body": "Due {{ event.scheduled_for }} ({{ event.type }})"}}])
    # Saved now: a minute from now is the first slot after its activation.
    due = (timezone.now() + timedelta(minutes=1)).replace(second=0, microsecond=0)
    [fired] = fire_due_schedules(due + timedelta(seconds=5))
    assert fired.slot == due
    call_command("workflows_drain", verbosity=0, stdout=None)  # fires nothing more
    [run] = Run.objects.filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED
    [message] = mail.outbox
    assert message.body == f"Due {due.astimezone(LONDON).isoformat()} (schedule)"


def test_latest_slot_counts_a_slot_exactly_at_now() -> None:
    assert latest_slot("0 9 * * *", "UTC", utc(2026, 1, 15, 9)) == utc(2026, 1, 15, 9)
    assert latest_slot("0 9 * * *", "UTC", utc(2026, 1, 15, 8, 59)) == utc(2026, 1, 14, 9)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="two racing workers need a database with concurrent writers; "
                           "on SQLite the sequential double call above covers it")
@pytest.mark.django_db(transaction=True)
def test_racing_workers_fire_each_slot_once(monkeypatch) -> None:
    """Several threads (each its own database connection) all decide that a slot is
    due before any of them records it; the unique dedupe key lets exactly one win."""
    workflows = [schedule_workflow("*/5 * * * *", "UTC", name=f"Race {i}",
                                   since=utc(2026, 1, 15)) for i in range(3)]
    threads_count = 4
    barrier = threading.Barrier(threads_count, timeout=30)
    original = schedules.due_slot

    def due_slot_then_wait(workflow, now):
        slot = original(workflow, now)
        if workflow.pk == workflows[-1].pk:
            barrier.wait()  # every thread has decided before anyone inserts
        return slot

    monkeypatch.setattr(schedules, "due_slot", due_slot_then_wait)
    results: list[list] = []
    errors: list[BaseException] = []

    def worker(now: datetime) -> None:
        try:
            results.append(fire_due_schedules(now))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    for minute in (0, 5, 10):
        now = utc(2026, 1, 15, 9, minute, 1)
        threads = [threading.Thread(target=worker, args=(now,)) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    fired = [slot for result in results for slot in result]
    assert len(fired) == 3 * 3  # 3 workflows x 3 slots, each once
    assert len({(f.workflow_id, f.slot) for f in fired}) == 9
    assert Event.objects.filter(trigger_type="schedule").count() == 9
