"""Slow steps in one worker (`drain`, in this process): they run side by side in the
step pool, each attempt within its time budget (`STEP_TIMEOUT_SECONDS`)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from werkzeug import Response

from engine import Output, StepType, step_registry
from engine.types import String
from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus

pytestmark = pytest.mark.django_db(transaction=True)


def slow(seconds: float):
    def handler(request):
        time.sleep(seconds)
        return Response('{"ok": true}', status=200, content_type="application/json")

    return handler


def test_slow_calls_of_different_runs_overlap(receiver, allow_local_http, settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "WORKER_CONCURRENCY": 8}
    receiver.respond("/slow", handler=slow(1.0))
    workflow = create_workflow("Slow", [http_step("call", receiver.url("/slow"))])
    for _ in range(8):
        order("10.00")
    started = time.monotonic()
    drain()
    took = time.monotonic() - started
    runs = runs_of(workflow)
    assert [run.status for run in runs] == [RunStatus.SUCCEEDED] * 8
    assert sorted(call.idempotency_key for call in receiver.received("/slow")) == sorted(
        f"{run.pk}:call" for run in runs)
    assert took < 4, f"8 calls of 1 s took {took:.1f} s"  # one after another: 8 s


def test_an_http_call_waits_at_most_the_step_budget(receiver, allow_local_http, settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "STEP_TIMEOUT_SECONDS": 1}
    receiver.respond("/hangs", handler=slow(5.0))
    workflow = create_workflow("Budget", [
        http_step("call", receiver.url("/hangs"), params={"timeout_seconds": 30})])
    order("10.00")
    started = time.monotonic()
    drain()
    assert time.monotonic() - started < 4
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    assert "timed out" in run.error.lower(), run.error


class _Sleeper(StepType):
    """A step that ignores its time budget."""

    key = "test.sleep"
    label = "Sleep"
    outputs = (Output("slept", String(), "Slept"),)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        time.sleep(4)
        return {"slept": "yes"}


@pytest.fixture
def sleeper_step():
    step_registry.register(_Sleeper)
    try:
        yield
    finally:
        step_registry.unregister(_Sleeper.key)


def test_a_step_running_past_its_budget_fails_with_the_reason(sleeper_step, settings):
    settings.WORKFLOWS = {**settings.WORKFLOWS, "STEP_TIMEOUT_SECONDS": 1}
    workflow = create_workflow("Overrun", [{"key": "nap", "type": "test.sleep", "params": {}}])
    order("10.00")
    started = time.monotonic()
    drain()
    assert time.monotonic() - started < 3.9  # given up on, not waited for
    [run] = runs_of(workflow)
    assert run.status == RunStatus.FAILED
    nap = steps_of(run)["nap"]
    assert nap.status == StepStatus.FAILED
    assert "did not finish within its time budget of 1 s" in nap.error


@pytest.mark.parametrize("task_timeout", [30, 60, 120])
def test_an_engine_task_ends_before_django_q2s_task_timeout(monkeypatch, settings,
                                                           task_timeout):
    """Taking work for a slice plus finishing the last step within its budget stays
    under the cluster's task timeout, whatever the settings ask for."""
    from django_q.conf import Conf

    from workflows_app.execution.work_loop import TIMEOUT_MARGIN_SECONDS, time_limits

    monkeypatch.setattr(Conf, "TIMEOUT", task_timeout)
    settings.WORKFLOWS = {**settings.WORKFLOWS, "WORK_SLICE_SECONDS": 100,
                          "STEP_TIMEOUT_SECONDS": 100}
    slice_seconds, step_budget = time_limits()
    assert slice_seconds > 0 and step_budget > 0
    assert slice_seconds + step_budget <= task_timeout - TIMEOUT_MARGIN_SECONDS
