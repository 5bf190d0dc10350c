"""Loop prevention: changes made by a run carry its causal chain; a workflow never
re-triggers itself through its own chain, and chains deeper than MAX_CHAIN_DEPTH
stop, each with a `loop prevented` evaluation saying why."""

from __future__ import annotations

import pytest

from config.demo.models import Order
from tests.workflows_app.support import ORDER_UPDATED, create_workflow, order, runs_of
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, RunStatus, WorkflowEvaluation

pytestmark = pytest.mark.django_db
Outcome = WorkflowEvaluation.Outcome


def set_status_when_changed_to(name: str, when: str, new: str):
    """A workflow: when an order's status changes to `when`, set it to `new`."""
    return create_workflow(name, [
        {"key": "set_status", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": new}}},
    ], trigger=ORDER_UPDATED,
        conditions={"ref": "record.status", "op": "changed_to", "value": when})


def change_status(record: Order, status: str) -> None:
    record = Order.objects.get(pk=record.pk)
    record.status = status
    record.save()


def loop_evaluations(workflow) -> list[WorkflowEvaluation]:
    return list(WorkflowEvaluation.objects.filter(workflow=workflow,
                                                  outcome=Outcome.LOOP_PREVENTED))


def test_a_workflow_that_retriggers_itself_stops_with_loop_prevented():
    workflow = create_workflow("Stamp every change", [
        {"key": "stamp", "type": "record.update",
         "params": {"record": {"ref": "record"},
                    "fields": {"currency": "EUR", "total_amount": 1}}},
    ], trigger=ORDER_UPDATED)
    created = order("10.00")
    change_status(created, "submitted")  # the user's change
    report = drain(max_seconds=30)

    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert report.runs_executed == 1
    created.refresh_from_db()
    assert (created.currency, created.total_amount) == ("EUR", 1)

    # The run's own change was recorded as an event caused by the run...
    [caused] = Event.objects.filter(caused_by_run=run)
    assert caused.chain == [workflow.pk]
    # ...and did not start the workflow again.
    [prevented] = loop_evaluations(workflow)
    assert prevented.event_id == caused.pk and prevented.run is None
    assert prevented.message.startswith("loop prevented")
    assert '"Stamp every change"' in prevented.message
    drain()
    assert Run.objects.count() == 1


def test_a_pair_that_triggers_each_other_stops_when_the_first_comes_round_again():
    first = set_status_when_changed_to("A: confirm submitted", "submitted", "confirmed")
    second = set_status_when_changed_to("B: resubmit confirmed", "confirmed", "submitted")
    created = order("10.00")
    change_status(created, "submitted")  # A -> confirmed -> B -> submitted -> (A again?)
    drain(max_seconds=30)

    [run_a] = runs_of(first)
    [run_b] = runs_of(second)
    assert run_a.status == run_b.status == RunStatus.SUCCEEDED
    assert run_a.chain == [first.pk] and run_b.chain == [first.pk, second.pk]
    created.refresh_from_db()
    assert created.status == "submitted"  # B's change stands; A did not run again

    # B's change (status -> submitted) matches A's conditions, but A is in its chain.
    [by_b] = Event.objects.filter(caused_by_run=run_b)
    assert by_b.chain == [first.pk, second.pk]
    a_again = WorkflowEvaluation.objects.get(event=by_b, workflow=first)
    assert a_again.outcome == Outcome.LOOP_PREVENTED and a_again.run is None
    assert a_again.message == ('loop prevented: this event was caused by a run of this '
                               'workflow (chain: "A: confirm submitted" → '
                               '"B: resubmit confirmed")')
    # B's own change does not match B's conditions: that is the answer recorded, not
    # a loop (nothing was prevented).
    b_again = WorkflowEvaluation.objects.get(event=by_b, workflow=second)
    assert b_again.outcome == Outcome.CONDITIONS_NOT_MET
    assert "record.status" in b_again.message
    assert Run.objects.count() == 2


def test_chains_deeper_than_max_chain_depth_stop(settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MAX_CHAIN_DEPTH": 2}
    first = set_status_when_changed_to("1: confirm", "submitted", "confirmed")
    second = set_status_when_changed_to("2: mark paid", "confirmed", "paid")
    third = set_status_when_changed_to("3: ship", "paid", "shipped")
    created = order("10.00")
    change_status(created, "submitted")
    drain(max_seconds=30)

    assert [len(runs_of(w)) for w in (first, second, third)] == [1, 1, 0]
    created.refresh_from_db()
    assert created.status == "paid"  # the third link of the chain did not run
    [stopped] = loop_evaluations(third)
    assert stopped.event.chain == [first.pk, second.pk]
    assert stopped.message == ('loop prevented: the chain of runs is 2 deep, the limit is 2 '
                               '(chain: "1: confirm" → "2: mark paid")')


def test_the_same_chain_within_the_limit_runs_to_the_end():
    workflows = [set_status_when_changed_to("1: confirm", "submitted", "confirmed"),
                 set_status_when_changed_to("2: mark paid", "confirmed", "paid"),
                 set_status_when_changed_to("3: ship", "paid", "shipped")]
    created = order("10.00")
    change_status(created, "submitted")
    drain(max_seconds=30)
    assert [len(runs_of(w)) for w in workflows] == [1, 1, 1]
    created.refresh_from_db()
    assert created.status == "shipped"
    assert not WorkflowEvaluation.objects.filter(outcome=Outcome.LOOP_PREVENTED,
                                                 workflow__in=workflows[1:]).exists()
