"""Definitions saved under generous limits, run after the limits were lowered
(`MAX_LIST_ITEMS`, `MAX_DEFINITION_DEPTH`, `MAX_DEFINITION_BYTES`): a new event
is answered "error" with the reason (no run, nothing crashes, the other
workflows run), and a run of such a version that was parked in a delay fails
with the reason when it resumes, instead of crashing its worker or staying
`running`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution import definitions
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus, WorkflowEvaluation

pytestmark = pytest.mark.django_db

STATUSES = [f"status-{index}" for index in range(50)]


def nested_condition(depth: int) -> dict[str, Any]:
    condition: dict[str, Any] = {"ref": "record.total_amount", "op": "gt", "value": 0}
    for _ in range(depth):
        condition = {"all": [condition]}
    return condition


def lower(settings, **limits: int) -> None:
    """Lower limits as a restarted worker sees them (no definition compiled yet)."""
    settings.WORKFLOWS = {**settings.WORKFLOWS, **limits}
    definitions.clear_cache()


def build(receiver, name: str, *, conditions: dict[str, Any] | None = None,
          delay: bool = False) -> Any:
    steps = [{"key": "pause", "type": "delay", "params": {"duration": "1 second"}}] if delay \
        else []
    steps.append(http_step("notify", receiver.url(f"/{name}")))
    return create_workflow(name, steps, conditions=conditions)


LIMITS = [
    pytest.param({"MAX_LIST_ITEMS": 10}, {"ref": "record.number", "op": "not_one_of",
                                          "value": STATUSES},
                 "at most 10 are allowed", id="list"),
    pytest.param({"MAX_DEFINITION_DEPTH": 20}, nested_condition(30), "20", id="depth"),
    pytest.param({"MAX_DEFINITION_BYTES": 900},
                 {"ref": "record.number", "op": "not_one_of", "value": STATUSES},
                 "900", id="bytes"),
]


@pytest.mark.parametrize(("limits", "conditions", "reason"), LIMITS)
def test_a_new_event_is_answered_with_the_reason(receiver, allow_local_http, settings,
                                                 limits, conditions, reason):
    too_big = build(receiver, "too_big", conditions=conditions)
    fine = build(receiver, "fine")
    lower(settings, **limits)
    order("20.00")
    drain(max_seconds=20)
    evaluation = WorkflowEvaluation.objects.get(workflow=too_big)
    assert evaluation.outcome == WorkflowEvaluation.Outcome.ERROR
    assert "version 1 is no longer valid" in evaluation.message
    assert reason in evaluation.message
    assert runs_of(too_big) == []
    assert [run.status for run in runs_of(fine)] == [RunStatus.SUCCEEDED]
    assert receiver.count("/fine") == 1 and receiver.count("/too_big") == 0


@pytest.mark.parametrize(("limits", "conditions", "reason"), LIMITS)
def test_a_parked_run_fails_with_the_reason_when_it_resumes(receiver, allow_local_http,
                                                            settings, limits, conditions,
                                                            reason):
    workflow = build(receiver, "parked", conditions=conditions, delay=True)
    order("20.00")
    drain(max_seconds=20)
    [run] = runs_of(workflow)
    assert run.status == RunStatus.WAITING
    lower(settings, **limits)
    drain(wait_for_delays=True, max_seconds=20)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "version 1 is no longer valid" in run.error and reason in run.error
    assert run.lease_owner == ""
    assert steps_of(run)["pause"].status == StepStatus.WAITING
    assert receiver.count("/parked") == 0
