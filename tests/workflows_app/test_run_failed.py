"""`run.failed`: "when a run fails, e-mail ops with the step and the error" — through a
real SMTP server; the event is recorded in the transaction that fails the run; a
workflow never triggers on its own failure chain."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.workflows_app.support import create_workflow, http_step, order, runs_of
from tests.workflows_app.test_email_send import Mailbox, smtp_server  # noqa: F401  (fixture)
from workflows_app.execution.queue import drain
from workflows_app.execution.signals import runs_finished
from workflows_app.models import Event, Run, RunStatus, Workflow, WorkflowEvaluation
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

ALERT_STEP = {"key": "alert", "type": "email.send", "params": {
    "to": ["ops@example.com"],
    "subject": "Run #{{ run.id }} of {{ workflow.name }} failed",
    "body": "Step: {{ failed_step.label }} ({{ failed_step.type }}, "
            "{{ failed_step.attempts }} attempt)\nError: {{ failed_step.error }}\n"
            "Started by: {{ run.summary }}"}}


def alert_workflow(name: str = "Alert ops", *, workflows: list[str] | None = None,
                   steps: list | None = None) -> Workflow:
    trigger: dict = {"type": "run.failed"}
    if workflows is not None:
        trigger["workflows"] = workflows
    return save_definition({"schema_version": 1, "name": name, "trigger": trigger,
                            "steps": steps or [ALERT_STEP]}, activate=True).workflow


def failing_workflow(receiver, name: str = "Notify the warehouse") -> Workflow:
    receiver.respond("/warehouse", status=500, body={"error": "warehouse is down"})
    return create_workflow(name, [
        {**http_step("notify", receiver.url("/warehouse")), "label": "Tell the warehouse"}])


def test_a_failed_run_starts_an_alert_that_emails_the_step_and_the_error(
        receiver, smtp_server: Mailbox, allow_local_http) -> None:  # noqa: F811
    failing = failing_workflow(receiver)
    alert = alert_workflow(workflows=["Notify the warehouse"])
    placed = order(number="A-7001")
    drain()
    [failed] = runs_of(failing)
    assert failed.status == RunStatus.FAILED
    [alert_run] = runs_of(alert)
    assert alert_run.status == RunStatus.SUCCEEDED
    event = alert_run.event
    assert event.trigger_type == "run.failed"
    assert event.caused_by_run_id == failed.pk
    assert event.chain == [failing.pk]
    assert (event.record_model, event.record_pk) == ("demo.order", str(placed.pk))
    [(recipients, message)] = smtp_server.messages()
    assert recipients == ["ops@example.com"]
    assert message["Subject"] == f"Run #{failed.pk} of Notify the warehouse failed"
    body = message.get_content()
    assert "Step: Tell the warehouse (http.request, 1 attempt)" in body
    assert "Error: " in body and "500" in body
    assert "Started by: Order A-7001 created" in body


def test_only_the_chosen_workflows_are_watched(receiver, allow_local_http) -> None:
    failing_workflow(receiver)
    create_workflow("Other", [])
    watching_other = alert_workflow("Watch other", workflows=["Other"])
    watching_all = alert_workflow("Watch all", steps=[
        {"key": "stop", "type": "filter", "params": {"condition": {}}}])
    order()
    drain()
    assert runs_of(watching_other) == []
    [run] = runs_of(watching_all)
    assert run.status == RunStatus.SUCCEEDED
    # "Why didn't it run?" and dispatch agree: the other watcher was not a candidate.
    assert not WorkflowEvaluation.objects.filter(workflow=watching_other).exists()


def test_an_alert_workflow_does_not_alert_about_its_own_failure_again_and_again(
        receiver, allow_local_http) -> None:
    failing_workflow(receiver)
    receiver.respond("/pager", status=503)
    flaky_alert = alert_workflow("Page on-call", steps=[http_step(
        "page", receiver.url("/pager"), params={"body": {"summary": "{{ run.error }}"}})])
    order()
    drain()
    [alert_run] = runs_of(flaky_alert)
    assert alert_run.status == RunStatus.FAILED
    own_failure = Event.objects.get(trigger_type="run.failed", caused_by_run=alert_run)
    evaluation = WorkflowEvaluation.objects.get(event=own_failure, workflow=flaky_alert)
    assert evaluation.outcome == WorkflowEvaluation.Outcome.LOOP_PREVENTED
    assert "caused by a run of this workflow" in evaluation.message
    assert receiver.count("/pager") == 1


def test_the_event_is_part_of_the_transaction_that_fails_the_run(receiver,
                                                                 allow_local_http) -> None:
    failing = failing_workflow(receiver)
    alert_workflow()
    order()
    drain()
    [failed] = runs_of(failing)
    before = Event.objects.filter(trigger_type="run.failed").count()
    with transaction.atomic():
        runs_finished.send(Run, runs=[failed])
        assert Event.objects.filter(trigger_type="run.failed").count() == before + 1
        transaction.set_rollback(True)
    assert Event.objects.filter(trigger_type="run.failed").count() == before


def test_nothing_is_recorded_when_no_workflow_watches_failures(receiver,
                                                               allow_local_http) -> None:
    failing_workflow(receiver)
    order()
    drain()
    assert not Event.objects.filter(trigger_type="run.failed").exists()


def test_watched_names_must_exist_when_saving_but_a_rename_does_not_break_it() -> None:
    watched = create_workflow("Nightly export", [])
    with pytest.raises(Exception, match=r'trigger\.workflows\[1\]: no workflow is named '
                                        r'"Nigthly export"'):
        alert_workflow(workflows=["Nightly export", "Nigthly export"])
    alert = alert_workflow(workflows=["Nightly export"])
    definition = dict(watched.live_version.definition, name="Nightly CSV export")
    save_definition(definition, workflow=watched)
    from workflows_app.execution.definitions import clear_cache, compiled_definition

    clear_cache()
    alert.refresh_from_db()
    assert compiled_definition(alert.live_version).trigger_config == {
        "workflows": ["Nightly export"]}
