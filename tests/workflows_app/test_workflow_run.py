"""`workflow.run`: start a workflow that is started by hand, with inputs typed by its
declared inputs, optionally waiting for its result; a cycle is stopped by the
causal chain."""

from __future__ import annotations

import pytest

from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus, WorkflowEvaluation
from workflows_app.services import check

REFUND = {"type": "manual", "inputs": [{"name": "amount", "type": "Number"},
                                       {"name": "note", "type": "Text", "required": False}]}


def refund_workflow(receiver, name="Refund"):
    return create_workflow(name, [http_step("refund", receiver.url("/refund"), params={"body": {
        "amount": "{{ inputs.amount }}", "note": "{{ inputs.note | default:\"-\" }}"}})],
        trigger=REFUND)


def run_step(workflow="Refund", wait=False, **inputs):
    return {"key": "start_refund", "type": "workflow.run",
            "params": {"workflow": workflow, "inputs": inputs, "wait": wait}}


@pytest.mark.django_db
def test_a_run_starts_another_workflow_with_typed_inputs_and_waits_for_it(receiver,
                                                                          allow_local_http):
    child = refund_workflow(receiver)
    parent = create_workflow("Refund big orders", [
        run_step(wait=True, amount={"ref": "record.total_amount"},
                 note="Order {{ record.number }}"),
        http_step("after", receiver.url("/after"), params={"body": {
            "status": "{{ steps.start_refund.status }}",
            "run": "{{ steps.start_refund.run_id }}"}}),
    ])
    placed = order("70.00")
    drain()
    [parent_run], [child_run] = runs_of(parent), runs_of(child)
    assert child_run.status == parent_run.status == RunStatus.SUCCEEDED
    assert [call.json for call in receiver.received("/refund")] == [
        {"amount": "70.00", "note": f"Order {placed.number}"}]
    assert receiver.received("/after")[0].json == {"status": "succeeded",
                                                   "run": str(child_run.pk)}
    assert child_run.event.caused_by_run_id == parent_run.pk
    assert steps_of(parent_run)["start_refund"].outputs["run_id"] == child_run.pk


@pytest.mark.django_db
def test_a_failed_child_fails_the_waiting_step(receiver, allow_local_http):
    receiver.respond("/refund", status=500)
    refund_workflow(receiver)
    parent = create_workflow("Refund all", [run_step(wait=True, amount=1)])
    order("5.00")
    drain()
    [parent_run] = runs_of(parent)
    assert parent_run.status == RunStatus.FAILED
    row = steps_of(parent_run)["start_refund"]
    assert row.status == StepStatus.FAILED and "failed" in row.error


@pytest.mark.django_db
def test_a_cycle_of_workflows_running_each_other_is_stopped(receiver, allow_local_http):
    ping = create_workflow("Ping", [], trigger={"type": "manual"})
    pong = create_workflow("Pong", [{"key": "to_ping", "type": "workflow.run",
                                     "params": {"workflow": "Ping"}}],
                           trigger={"type": "manual"})
    from workflows_app.services import save_definition
    from workflows_app.triggers.manual.start import start_manual_run

    save_definition({"schema_version": 1, "name": "Ping", "trigger": {"type": "manual"},
                     "steps": [{"key": "to_pong", "type": "workflow.run",
                                "params": {"workflow": "Pong"}}]}, workflow=ping)
    start_manual_run(ping, {}, None)
    drain()
    assert [run.status for run in runs_of(ping)] == [RunStatus.SUCCEEDED]
    assert [run.status for run in runs_of(pong)] == [RunStatus.SUCCEEDED]
    stopped = WorkflowEvaluation.objects.get(workflow=ping,
                                             outcome=WorkflowEvaluation.Outcome.LOOP_PREVENTED)
    assert stopped.event.caused_by_run_id == runs_of(pong)[0].pk


@pytest.mark.django_db
def test_inputs_are_checked_against_the_target_when_saved(receiver):
    refund_workflow(receiver)
    base = {"schema_version": 1, "name": "x",
            "trigger": {"type": "model.created", "model": "demo.order"}}

    def errors(step):
        from engine import check_definition
        return [str(error) for error in check_definition({**base, "steps": [step]})]

    assert errors(run_step(workflow="Nope", amount=1)) == [
        "steps[0].params.workflow: there is no workflow named 'Nope'"]
    [wrong_type] = errors(run_step(amount="lots"))
    assert wrong_type.startswith('steps[0].params.inputs.amount: "lots"')
    assert errors(run_step(note="x")) == [
        'steps[0].params.inputs.amount: "Refund" needs the input "amount" (Number)']
    assert errors(run_step(amount=1, colour="red"))[0].startswith(
        'steps[0].params.inputs.colour: "Refund" has no input "colour"')
    check({**base, "steps": [run_step(amount={"ref": "record.total_amount"})]})
