"""Live records: after a wait (or a change this run made), `record.*` is the record
as it is now; `trigger.record.*` is the snapshot from when the event happened; a
`delay` re-checks the workflow's conditions (on by default for new steps); a
record deleted during a wait ends the run with that explanation."""

from __future__ import annotations

import time

import pytest

from config.demo.models import Order
from tests.workflows_app.support import (
    ORDER_UPDATED,
    create_workflow,
    http_step,
    order,
    runs_of,
    step_statuses,
    steps_of,
)
from workflows_app.execution.queue import drain
from workflows_app.metadata import scope_metadata
from workflows_app.models import RunStatus, StepStatus

SUBMITTED = {"ref": "record.status", "op": "changed_to", "value": "submitted"}


def remind(receiver, **delay_params):
    return [
        {"key": "wait", "type": "delay", "params": {"duration": "1 second", **delay_params}},
        http_step("remind", receiver.url("/remind"), params={"body": {
            "order": "{{ record.number }}", "now": "{{ record.status }}",
            "then": "{{ trigger.record.status }}"}}),
    ]


def submitted_order() -> Order:
    placed = order("50.00")
    drain()
    placed.status = Order.Status.SUBMITTED
    placed.save()
    return placed


def drain_after_the_wait() -> None:
    drain()  # runs up to the delay
    time.sleep(1.1)
    drain()


@pytest.mark.django_db
def test_a_delay_rechecks_the_conditions_and_stops_when_they_no_longer_hold(
        receiver, allow_local_http):
    workflow = create_workflow("Remind", remind(receiver), trigger=ORDER_UPDATED,
                               conditions=SUBMITTED)
    confirmed, forgotten = submitted_order(), submitted_order()
    drain()
    Order.objects.filter(pk=confirmed.pk).update(status=Order.Status.CONFIRMED)
    drain_after_the_wait()

    stopped, sent = runs_of(workflow)
    assert stopped.status == sent.status == RunStatus.SUCCEEDED
    assert [call.json for call in receiver.received("/remind")] == [
        {"order": forgotten.number, "now": "submitted", "then": "submitted"}]
    assert step_statuses(stopped) == {"wait": StepStatus.SUCCEEDED, "remind": StepStatus.SKIPPED}
    note = steps_of(stopped)["wait"].attempts_log[-1]["note"]
    assert "conditions no longer hold after the wait" in note
    assert '"confirmed"' in note


@pytest.mark.django_db
def test_without_recheck_the_step_sees_the_record_now_and_the_snapshot(receiver,
                                                                        allow_local_http):
    workflow = create_workflow("Remind anyway", remind(receiver, recheck=False),
                               trigger=ORDER_UPDATED, conditions=SUBMITTED)
    placed = submitted_order()
    drain()
    Order.objects.filter(pk=placed.pk).update(status=Order.Status.CONFIRMED)
    drain_after_the_wait()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert [call.json for call in receiver.received("/remind")] == [
        {"order": placed.number, "now": "confirmed", "then": "submitted"}]
    assert steps_of(run)["remind"].attempts_log[-1]["seen"] == {
        "record.number": placed.number, "record.status": "confirmed",
        "trigger.record.status": "submitted"}


@pytest.mark.django_db
def test_a_record_deleted_during_the_wait_ends_the_run_with_the_reason(receiver,
                                                                       allow_local_http):
    workflow = create_workflow("Remind", remind(receiver), trigger=ORDER_UPDATED,
                               conditions=SUBMITTED)
    placed = submitted_order()
    drain()
    Order.objects.filter(pk=placed.pk).delete()
    drain_after_the_wait()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED and receiver.count("/remind") == 0
    note = steps_of(run)["wait"].attempts_log[-1]["note"]
    assert note == (f"Order #{placed.pk} was deleted while the run was waiting; the steps "
                    "after the wait were not run")
    remind_row = steps_of(run)["remind"]
    assert remind_row.status == StepStatus.SKIPPED
    assert remind_row.attempts_log[-1]["note"] == f"not run: {note}"


@pytest.mark.django_db
def test_a_step_after_this_runs_change_sees_the_changed_record(receiver, allow_local_http):
    workflow = create_workflow("Confirm then tell", [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        http_step("tell", receiver.url("/tell"), params={"body": {
            "now": "{{ record.status }}", "then": "{{ trigger.record.status }}"}}),
    ])
    order("10.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert [call.json for call in receiver.received("/tell")] == [
        {"now": "confirmed", "then": "new"}]


@pytest.mark.django_db
def test_builder_scope_offers_the_order_now_and_when_it_happened():
    scope = scope_metadata({"schema_version": 1, "name": "x", "trigger": ORDER_UPDATED})
    paths = scope["paths"] if isinstance(scope["paths"], dict) else {
        entry["path"]: entry for entry in scope["paths"]}
    assert paths["record"]["name"] == "Order now"
    assert paths["trigger.record"]["name"] == "Order when it happened"
    assert paths["trigger.record.status"]["type"] == paths["record.status"]["type"]
