"""What draining a batch of runs costs the worker does not grow with the batch
where it need not: the records the runs' steps read live are read in one query,
the wait_for steps waiting for the records a batch of events changed are looked
up in one query, and events recorded by the runs' own steps (the `model.updated`
of a `record.update`) ask for no wake-up: the worker dispatches them itself."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.workflows_app.support import create_workflow, http_step, order, runs_of
from workflows_app.execution import wakeups
from workflows_app.execution.queue import drain
from workflows_app.models import Event, EventStatus, PendingWakeUp, RunStatus

RUNS = 12


def statements(captured: CaptureQueriesContext, *fragments: str) -> list[str]:
    return [query["sql"] for query in captured.captured_queries
            if all(fragment in query["sql"] for fragment in fragments)]


@pytest.mark.django_db
def test_the_live_records_of_a_batch_are_read_in_one_query(receiver, allow_local_http):
    workflow = create_workflow("Live", [
        {"key": "only_real", "type": "filter",
         "params": {"condition": {"ref": "record.total_amount", "op": "gt", "value": 0}}},
        http_step("notify", receiver.url("/notify"), params={
            "body": {"order": "{{ record.number }}", "status": "{{ record.status }}"}}),
    ])
    orders = [order("10.00") for _ in range(RUNS)]
    first = orders[0]
    first.status = "confirmed"  # changed after its event: the step sees it as it is now
    first.save(update_fields=["status"])

    with CaptureQueriesContext(connection) as captured:
        drain(max_seconds=30)

    assert [run.status for run in runs_of(workflow)] == [RunStatus.SUCCEEDED] * RUNS
    reads = statements(captured, "SELECT", 'FROM "demo_order"')
    assert len(reads) <= 3, f"{len(reads)} reads of orders for {RUNS} runs"
    bodies = {received.json["order"]: received.json["status"]
              for received in receiver.received("/notify")}
    assert bodies == {o.number: ("confirmed" if o.pk == first.pk else o.status)
                      for o in orders}


@pytest.mark.django_db
def test_waiting_steps_for_a_batch_of_changes_are_looked_up_in_one_query():
    create_workflow("Confirm", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}])
    for _ in range(RUNS):
        order("10.00")

    with CaptureQueriesContext(connection) as captured:
        drain(max_seconds=30)

    assert Event.objects.filter(trigger_type="model.updated",
                                status=EventStatus.DISPATCHED).count() == RUNS
    lookups = statements(captured, 'FROM "workflows_app_steprun"', "INNER JOIN",
                         '"workflows_app_event"')
    # one per dispatch batch: the orders' own events, then the changes they made
    assert 1 <= len(lookups) <= 2, f"{len(lookups)} lookups for {RUNS} changed records"


@pytest.mark.django_db(transaction=True)
def test_events_recorded_by_the_runs_steps_ask_for_no_wake_up(receiver, allow_local_http):
    workflow = create_workflow("Confirm and tell", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        http_step("notify", receiver.url("/notify")),
    ])
    for _ in range(RUNS):
        with transaction.atomic():
            order("10.00")
    assert wakeups.settle()  # the saves' own wake-ups are out
    PendingWakeUp.objects.update(requested_at=None)  # as if their task had started

    drain(max_seconds=30)
    time.sleep(0.1)  # a wake-up asked for at the last commit reaches the waker
    assert wakeups.settle()

    assert [run.status for run in runs_of(workflow)] == [RunStatus.SUCCEEDED] * RUNS
    assert not Event.objects.filter(status=EventStatus.PENDING).exists()
    # Nothing is left, and no engine task was asked for: the drain dispatched the
    # model.updated events its record.update steps recorded.
    assert not PendingWakeUp.objects.filter(requested_at__isnull=False).exists()
