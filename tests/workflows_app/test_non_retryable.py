"""A step that fails for a reason a retry cannot change (a 4xx answer other than
408/429, a value the record refuses, a record that is gone, inputs over a limit)
ends its run `failed` with that reason at once, whatever its `retry` says; a
failure that may pass (a 5xx, 408, 429, a timeout) is retried as before. Against
a real HTTP receiver."""

from __future__ import annotations

import pytest

from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import RunStatus, StepStatus

pytestmark = pytest.mark.django_db

RETRY = {"max_attempts": 4, "backoff_seconds": 0.05}


def run_one(steps: list[dict], **fields) -> tuple:
    workflow = create_workflow("Non-retryable", steps)
    order("42.00", number="N-1", **fields)
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(workflow)
    return run, steps_of(run)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_client_error_answer_fails_the_run_at_once(receiver, allow_local_http, status):
    receiver.respond("/orders", status=status, body={"error": "unknown customer"})
    run, steps = run_one([http_step("notify", receiver.url("/orders"), retry=RETRY)])
    assert receiver.count("/orders") == 1
    assert run.status == RunStatus.FAILED
    assert f"answered HTTP {status}" in run.error
    assert "unknown customer" in run.error
    step = steps["notify"]
    assert step.status == StepStatus.FAILED and step.attempt == 1
    assert "not retried" in step.attempts_log[-1]["note"]


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_answers_that_may_pass_are_retried_per_the_policy(receiver, allow_local_http, status):
    receiver.respond("/orders", status=status)
    run, steps = run_one([http_step("notify", receiver.url("/orders"), retry=RETRY)])
    assert receiver.count("/orders") == 4
    assert run.status == RunStatus.FAILED
    assert f"answered HTTP {status}" in run.error
    assert steps["notify"].attempt == 4


def test_a_value_the_record_refuses_is_not_retried(receiver, allow_local_http):
    # A currency has three letters; a template may produce anything.
    run, steps = run_one([
        {"key": "mark", "type": "record.update", "retry": RETRY,
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        {"key": "bad", "type": "record.update", "retry": RETRY,
         "params": {"record": {"ref": "record"}, "fields": {"currency": "{{ record.number }}"}}},
        http_step("notify", receiver.url("/orders")),
    ])
    assert run.status == RunStatus.FAILED
    assert steps["bad"].attempt == 1
    assert "currency" in run.error
    assert steps["mark"].status == StepStatus.SUCCEEDED
    assert "not retried" in steps["bad"].attempts_log[-1]["note"]
    assert receiver.count("/orders") == 0


def test_on_error_continue_still_goes_on(receiver, allow_local_http):
    receiver.respond("/missing", status=404)
    run, steps = run_one([
        http_step("lookup", receiver.url("/missing"), retry=RETRY, on_error="continue"),
        http_step("notify", receiver.url("/orders")),
    ])
    assert receiver.count("/missing") == 1
    assert run.status == RunStatus.SUCCEEDED
    assert steps["lookup"].status == StepStatus.FAILED
    assert steps["notify"].status == StepStatus.SUCCEEDED
