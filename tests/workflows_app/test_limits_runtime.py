"""The size of a step's inputs at run time: templates that would expand a payload
hundreds of times, and references to large values, stop at
`WORKFLOWS["MAX_STEP_INPUT_BYTES"]`. The step fails with the reason (no request is
sent, no huge row is written) and the run ends `failed`: it never stays `running`.
With real `qcluster` processes (PostgreSQL + Redis in CI's second run) as well as
in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.workflows_app.support import wait_until
from workflows_app.manual import start_manual_run
from workflows_app.models import Run, RunStatus, StepRun, StepStatus
from workflows_app.services import save_definition

PAYLOAD = {"blob": "x" * 100_000}  # a 100 KB webhook body
EXPANDING = "{{ payload }}" * 500  # 500 copies of it: 50 MB if nothing stops it


def expanding_definition(url: str, name: str = "Forward orders", *,
                         body: Any = None) -> dict[str, Any]:
    return {"schema_version": 1, "name": name,
            "trigger": {"type": "webhook", "require_signature": False},
            "steps": [{"key": "forward", "type": "http.request", "params": {
                "method": "POST", "url": url,
                "body": body if body is not None else {"copies": EXPANDING}}}]}


def send(client, workflow, payload: Any = PAYLOAD) -> None:
    response = client.post(reverse("workflows_app:webhook", args=[workflow.webhook_token]),
                           data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 202, response.content


def assert_failed_for_size(run: Run, limit: str = "1,048,576") -> None:
    assert run.status == RunStatus.FAILED, (run.status, run.error)
    assert f"more than {limit} bytes" in run.error
    step = StepRun.objects.get(run=run, key="forward")
    assert step.status == StepStatus.FAILED
    assert f"more than {limit} bytes" in step.error
    assert len(json.dumps(step.inputs)) < 10_000


@pytest.mark.django_db
def test_a_template_that_expands_a_payload_500_times_fails_the_step(client, receiver,
                                                                    allow_local_http) -> None:
    workflow = save_definition(expanding_definition(receiver.url("/orders")),
                               activate=True).workflow
    send(client, workflow)
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert_failed_for_size(Run.objects.get(workflow=workflow))
    assert receiver.count() == 0


@pytest.mark.django_db
def test_the_limit_is_a_setting_and_counts_references_too(client, receiver, allow_local_http,
                                                          settings) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MAX_STEP_INPUT_BYTES": 50_000}
    fits = save_definition(expanding_definition(
        receiver.url("/fits"), "Fits", body={"one": "{{ payload.blob }}"}), activate=True).workflow
    send(client, fits, {"blob": "y" * 40_000})
    by_reference = save_definition({
        "schema_version": 1, "name": "By reference",
        "trigger": {"type": "manual", "inputs": [{"name": "note", "type": "Text"}]},
        "steps": [{"key": "forward", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "Hi", "body": {"ref": "inputs.note"}}}]},
        activate=True).workflow
    start_manual_run(by_reference, {"note": "n" * 60_000}, None)
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert Run.objects.get(workflow=fits).status == RunStatus.SUCCEEDED
    assert receiver.count("/fits") == 1
    assert_failed_for_size(Run.objects.get(workflow=by_reference), "50,000")


@pytest.mark.django_db(transaction=True)
def test_with_real_workers_the_run_fails_with_the_reason(client, receiver, workers) -> None:
    workflow = save_definition(expanding_definition(receiver.url("/orders")),
                               activate=True).workflow
    workers.start(1)
    send(client, workflow)

    def finished() -> Run | None:
        run = Run.objects.filter(workflow=workflow).first()
        return run if run is not None and run.status in {RunStatus.FAILED,
                                                         RunStatus.SUCCEEDED} else None

    run = wait_until(finished, timeout=90, message="the run to finish",
                     details=workers.output)
    assert_failed_for_size(run)
    assert receiver.count() == 0
