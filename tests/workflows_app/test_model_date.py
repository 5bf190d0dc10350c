"""`model.date`: "3 days after an order was created, if it is still unpaid, e-mail the
customer". With a frozen clock (the periodic check is called with an explicit
`now`): each record fires once per date value, in the workflow's timezone, from
the workflow's activation on, with the conditions checked on the record as it is
when it falls due; exactly once with racing workers (threads on PostgreSQL, and
real `qcluster` processes)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, connections, models
from django.utils import timezone

from tests.workflows_app.support import customer, order, wait_until
from workflows_app.execution.periodic import run_periodic_hooks
from workflows_app.execution.queue import drain, wake_soon
from workflows_app.models import Event, Run, RunStatus, Workflow, WorkflowEvaluation
from workflows_app.records import get_registration
from workflows_app.services import save_definition
from workflows_app.triggers.model_date import firing
from workflows_app.triggers.model_date.trigger import DatePlan, ModelDate, parse_offset

LONDON = ZoneInfo("Europe/London")
#: The frozen clock starts far ahead of the real one, so that the real clock of a
#: `drain` (which runs the periodic checks too) never reaches these due times.
T0 = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
UNPAID = {"ref": "record.status", "op": "not_one_of", "value": ["paid", "shipped",
                                                                "cancelled"]}
REMINDER = {"key": "remind", "type": "email.send", "label": "Remind the customer", "params": {
    "to": [{"ref": "record.customer.email"}],
    "subject": "Your order {{ record.number }} is waiting for payment",
    "body": "Due since {{ event.scheduled_for }}"}}


def date_workflow(*, offset: str = "3 days", tz: str = "UTC", field: str = "created_at",
                  name: str = "Unpaid reminder", since: datetime = T0,
                  conditions: dict | None = None, steps: list | None = None) -> Workflow:
    definition = {"schema_version": 1, "name": name,
                  "trigger": {"type": "model.date", "model": "demo.order", "field": field,
                              "offset": offset, "timezone": tz},
                  "conditions": UNPAID if conditions is None else conditions,
                  "steps": [REMINDER] if steps is None else steps}
    workflow = save_definition(definition, activate=True).workflow
    Workflow.objects.filter(pk=workflow.pk).update(updated_at=since)  # activated then
    workflow.refresh_from_db()
    return workflow


def created(at: datetime, **fields):
    """An order whose `created_at` is `at` (its own creation event is left pending)."""
    record = order(**fields)
    type(record).objects.filter(pk=record.pk).update(created_at=at)
    record.refresh_from_db()
    return record


def fire(now: datetime) -> list:
    """The trigger's periodic check, as a worker loop runs it at `now`."""
    return firing.fire_due_dates(ModelDate(), now)


def date_events(workflow: Workflow) -> list[Event]:
    return list(Event.objects.filter(trigger_type="model.date", workflow=workflow)
                .order_by("occurred_at", "pk"))


def check(trigger: dict) -> list[str]:
    from engine import check_definition

    return [str(error) for error in check_definition(
        {"schema_version": 1, "name": "T", "trigger": trigger, "steps": []})]


# -- the config ---------------------------------------------------------------------


@pytest.mark.django_db
def test_config_is_checked_with_clear_errors() -> None:
    base = {"type": "model.date", "model": "demo.order", "field": "created_at"}
    assert check({**base, "offset": "-1 day", "timezone": "Europe/London"}) == []
    for field in ("number", "received_at"):  # not a date; a date field of payments
        assert check({**base, "field": field}) == [
            f'trigger.field: "{field}" is not a date field of Order (demo.order); its date '
            "fields: created_at, updated_at"]
    options = [value for value, _ in ModelDate.config_params[1].type.options()]
    assert options == ["created_at", "received_at", "updated_at"]  # the builder's picker
    [message] = check({**base, "offset": "3 moons"})
    assert message.startswith('trigger.offset: "3 moons" is not a length of time such as '
                              '"3 days" (after the date) or "-1 day" (before it)')
    assert check({**base, "timezone": "Mars/Base"}) == [
        'trigger.timezone: "Mars/Base" is not a known timezone (e.g. "UTC", "Europe/Paris")']
    assert check({"type": "model.date", "model": "demo.order"}) == [
        "trigger.field: model.date needs date field (field)"]


def test_offsets_read_as_people_write_them() -> None:
    assert parse_offset("3 days") == timedelta(days=3)
    assert parse_offset("-1 day") == timedelta(days=-1)
    assert parse_offset("+ 2 hours 30 minutes") == timedelta(hours=2, minutes=30)
    assert parse_offset("-P1D") == timedelta(days=-1)
    assert parse_offset("") == parse_offset(None) == timedelta(0)


@pytest.mark.django_db
def test_scope_is_the_record_and_the_due_time() -> None:
    workflow = date_workflow(conditions={"all": [
        UNPAID, {"ref": "event.scheduled_for", "op": "after", "value": "2031-01-01T00:00:00Z"},
        {"ref": "record.customer.email", "op": "is_set"}]})
    assert workflow.trigger_target == "demo.order"
    assert check({"type": "model.date", "model": "demo.order", "field": "created_at"}) == []


# -- firing, with a frozen clock ---------------------------------------------------------


@pytest.mark.django_db
def test_each_record_fires_once_per_date_value_and_only_if_still_unpaid() -> None:
    workflow = date_workflow()
    ada = customer("Ada", "ada@example.org")
    unpaid = created(T0 + timedelta(hours=1), customer_obj=ada)
    paid_later = created(T0 + timedelta(hours=2), customer_obj=ada)
    later = created(T0 + timedelta(days=1), customer_obj=ada)
    old = created(T0 - timedelta(days=4), customer_obj=ada)  # due before the activation

    assert fire(T0 + timedelta(days=3)) == []  # nothing due yet
    paid_later.status = "paid"
    paid_later.save()  # paid before it falls due: conditions checked when it does
    fired = fire(T0 + timedelta(days=3, hours=3))
    assert sorted(item.record_pk for item in fired) == [unpaid.pk, paid_later.pk]
    assert fire(T0 + timedelta(days=3, hours=3)) == []  # a second worker, same moment
    assert fire(T0 + timedelta(days=3, hours=5)) == []  # the next check: nothing new
    [first, second] = date_events(workflow)
    assert first.occurred_at == T0 + timedelta(days=3, hours=1)  # the due time
    assert first.dedupe_key == (f"model.date:{workflow.pk}:{unpaid.pk}:"
                                f"{(T0 + timedelta(hours=1)).isoformat()}")
    assert (first.record_model, first.record_pk) == ("demo.order", str(unpaid.pk))
    assert first.payload["record"]["status"] == "new"
    assert second.payload["record"]["status"] == "paid"  # the record as it was when due

    drain()
    assert [run.event_id for run in Run.objects.filter(workflow=workflow)] == [first.pk]
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert message.subject == f"Your order {unpaid.number} is waiting for payment"
    assert message.body == f"Due since {(T0 + timedelta(days=3, hours=1)).isoformat()}"
    why = WorkflowEvaluation.objects.get(event=second, workflow=workflow)
    assert why.outcome == WorkflowEvaluation.Outcome.CONDITIONS_NOT_MET
    assert '"paid"' in why.message

    [third] = fire(T0 + timedelta(days=4, hours=1))  # `later` falls due a day after
    assert third.record_pk == later.pk
    assert old.pk not in {event.record_pk for event in date_events(workflow)}


@pytest.mark.django_db
def test_a_changed_date_fires_again_at_its_new_time_and_the_old_one_never() -> None:
    workflow = date_workflow()
    record = created(T0 + timedelta(hours=1))
    [fired] = fire(T0 + timedelta(days=3, hours=2))
    assert fired.value == T0 + timedelta(hours=1)
    type(record).objects.filter(pk=record.pk).update(created_at=T0 + timedelta(days=1))
    assert fire(T0 + timedelta(days=3, hours=12)) == []
    [again] = fire(T0 + timedelta(days=4, minutes=1))
    assert (again.record_pk, again.value) == (record.pk, T0 + timedelta(days=1))
    # Moving it back to the first value does not fire that value a second time.
    type(record).objects.filter(pk=record.pk).update(created_at=T0 + timedelta(hours=1))
    assert fire(T0 + timedelta(days=10)) == []
    assert len(date_events(workflow)) == 2


@pytest.mark.django_db
def test_deleted_records_and_moved_dates_do_not_fire() -> None:
    workflow = date_workflow()
    gone = created(T0 + timedelta(hours=1))
    moved = created(T0 + timedelta(hours=1))
    gone.delete()
    type(moved).objects.filter(pk=moved.pk).update(created_at=T0 + timedelta(days=30))
    assert fire(T0 + timedelta(days=3, hours=2)) == []
    assert date_events(workflow) == []


@pytest.mark.django_db
def test_before_a_date_with_a_negative_offset() -> None:
    workflow = date_workflow(offset="-1 day", field="updated_at", name="Day before")
    record = created(T0)
    type(record).objects.filter(pk=record.pk).update(updated_at=T0 + timedelta(days=5))
    assert fire(T0 + timedelta(days=3, hours=23)) == []
    [fired] = fire(T0 + timedelta(days=4, minutes=1))
    assert fired.due == T0 + timedelta(days=4)
    assert "1 day before updated at" in date_events(workflow)[0].summary


@pytest.mark.django_db
def test_the_offset_counts_in_the_workflows_timezone_across_a_clock_change() -> None:
    """London moves its clocks on 2031-03-30: "3 days after" 10:00 on the 28th is
    10:00 London time on the 31st (09:00 UTC), not 10:00 UTC."""
    since = datetime(2031, 3, 27, tzinfo=UTC)
    london = date_workflow(tz="Europe/London", name="London", since=since, conditions={})
    utc_workflow = date_workflow(tz="UTC", name="UTC", since=since, conditions={})
    created(datetime(2031, 3, 28, 10, 0, tzinfo=UTC))  # 10:00 GMT = 10:00 London
    fired = fire(datetime(2031, 3, 31, 9, 30, tzinfo=UTC))
    assert [(item.workflow_id, item.due) for item in fired] == [
        (london.pk, datetime(2031, 3, 31, 10, 0, tzinfo=LONDON))]
    assert fired[0].due == datetime(2031, 3, 31, 9, 0, tzinfo=UTC)
    [later] = fire(datetime(2031, 3, 31, 10, 0, tzinfo=UTC))
    assert (later.workflow_id, later.due) == (utc_workflow.pk,
                                              datetime(2031, 3, 31, 10, tzinfo=UTC))


def test_a_date_without_time_falls_due_at_the_start_of_its_day_in_the_timezone() -> None:
    registration = get_registration("demo.order")
    due_date = models.DateField(name="due_on")
    plan = DatePlan(registration, due_date, parse_offset("-15 hours"), LONDON)
    # 09:00 London the day before (summer time: 08:00 UTC)
    assert plan.due_time(date(2031, 7, 10)) == datetime(2031, 7, 9, 9, tzinfo=LONDON)
    assert plan.due_time(date(2031, 7, 10)).astimezone(UTC).hour == 8
    plan = DatePlan(registration, due_date, timedelta(0), ZoneInfo("Asia/Tokyo"))
    assert plan.due_time(date(2031, 1, 1)) == datetime(2030, 12, 31, 15, tzinfo=UTC)


@pytest.mark.django_db
def test_inactive_workflows_and_unchanged_records_cost_nothing_more() -> None:
    workflow = date_workflow()
    Workflow.objects.filter(pk=workflow.pk).update(is_active=False)
    created(T0 + timedelta(hours=1))
    assert fire(T0 + timedelta(days=4)) == []
    Workflow.objects.filter(pk=workflow.pk).update(is_active=True, updated_at=T0)
    assert len(fire(T0 + timedelta(days=4))) == 1
    # Checked a moment ago: the next worker loop within the interval skips it.
    created(T0 + timedelta(days=1, seconds=1))
    assert fire(T0 + timedelta(days=4, seconds=5)) == []
    assert len(fire(T0 + timedelta(days=4, seconds=20))) == 1


@pytest.mark.django_db
def test_the_periodic_hook_of_the_worker_loop_fires_it() -> None:
    workflow = date_workflow(conditions={})
    created(T0 + timedelta(hours=1))
    run_periodic_hooks(T0 + timedelta(days=3, hours=2))
    assert len(date_events(workflow)) == 1


# -- several workers -------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="racing workers need a database with concurrent writers; on "
                           "SQLite the sequential double calls above cover it")
@pytest.mark.django_db(transaction=True)
def test_racing_workers_fire_each_record_once(monkeypatch) -> None:
    """Four threads (each its own database connection) all decide which records are
    due, and that none has fired yet, before any of them records one."""
    workflows = [date_workflow(name=f"Race {index}", conditions={}) for index in range(2)]
    records = [created(T0 + timedelta(hours=1, minutes=index)) for index in range(5)]
    threads_count = 4
    barrier = threading.Barrier(threads_count, timeout=30)
    original = firing._already_fired

    def decided_then_wait(keys):
        fired = original(keys)
        barrier.wait()  # every thread has decided before anyone inserts
        return fired

    monkeypatch.setattr(firing, "_already_fired", decided_then_wait)
    results: list[list] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(fire(T0 + timedelta(days=3, hours=2)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert errors == []
    fired = [(item.workflow_id, item.record_pk) for result in results for item in result]
    assert sorted(fired) == sorted((w.pk, r.pk) for w in workflows for r in records)
    assert Event.objects.filter(trigger_type="model.date").count() == 2 * 5


def test_two_qcluster_processes_fire_each_record_once(workers) -> None:
    """Real workers, real clock: orders fall due a few seconds after the workflow is
    activated, both clusters keep checking, every order starts exactly one run."""
    now = timezone.now()
    workflow = date_workflow(since=now, conditions={}, steps=[
        {"key": "note", "type": "filter", "params": {"condition": {}}}])
    records = [created(now - timedelta(days=3) + timedelta(seconds=6 + index))
               for index in range(6)]
    workers.start(2, q_workers=1)

    def all_fired() -> bool:
        wake_soon()  # keep both clusters' work loops (and their periodic checks) busy
        return Run.objects.filter(workflow=workflow, status=RunStatus.SUCCEEDED).count() >= 6

    wait_until(all_fired, timeout=120, interval=0.5, message="six date runs",
               details=workers.output)
    events = date_events(workflow)
    assert sorted(int(event.record_pk) for event in events) == sorted(r.pk for r in records)
    assert Run.objects.filter(workflow=workflow).count() == 6


@pytest.mark.django_db
def test_the_builder_offers_the_date_fields_and_the_watched_workflows() -> None:
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("root", "root@example.com", None))
    date_workflow()
    fields = client.get("/workflows/api/metadata/options/",
                        {"trigger": "model.date", "param": "field"}).json()
    assert [(item["value"], item["label"]) for item in fields["results"]] == [
        ("created_at", "Created at (Order)"), ("received_at", "Received at (Payment)"),
        ("updated_at", "Updated at (Order)")]
    watched = client.get("/workflows/api/metadata/options/",
                         {"trigger": "run.failed", "param": "workflows"}).json()
    assert [item["value"] for item in watched["results"]] == ["Unpaid reminder"]
    scope = client.get("/workflows/api/metadata/scope/", {
        "trigger": "model.date", "model": "demo.order", "field": "created_at",
        "offset": "-1 day"}).json()
    paths = {item["path"] for item in scope["paths"]}
    assert {"record.number", "record.customer.email", "event.scheduled_for"} <= paths
    assert "previous.number" not in paths
