"""`run.failed`: a run of any workflow, or of chosen ones, failed — an error workflow
that tells someone ("when a run fails, e-mail ops with the step and the error").

The source is the executor's `runs_finished` signal, sent inside the transaction
that finishes the runs: the event is recorded in that same transaction, so a
failure is never announced for a run whose end was rolled back, and never lost
for one that committed.

Loop guard: the event carries the failed run's causal chain, which ends with the
failed workflow, so a workflow is never started by a failure of its own chain
(an error workflow whose own run fails does not alert about itself again and
again; dispatch records "loop prevented" instead).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from engine import (
    DefinitionError,
    InvalidDefinition,
    Param,
    ScopeField,
    ScopeSchema,
    trigger_registry,
)
from engine.errors import join_path
from engine.types import DateTime, Number, ObjectType, String
from engine.types.array import ArrayType
from workflows_app.execution.context import Cause
from workflows_app.execution.definitions import compiled_definition
from workflows_app.execution.signals import runs_finished
from workflows_app.models import Event, Run, RunStatus, StepRun, StepStatus, Workflow
from workflows_app.tenancy.events import UNSET, acting_tenant
from workflows_app.tenancy.scoping import current_visibility, of_tenant, scope
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.config import SuggestedChoice
from workflows_app.triggers.scope import event_scope_field

#: Scope roots (and payload keys).
RUN = "run"
WORKFLOW = "workflow"
FAILED_STEP = "failed_step"
#: The config setting naming the watched workflows.
WORKFLOWS = "workflows"


def workflow_name_choices() -> list[tuple[str, str]]:
    """Every workflow's name, for the picker (with tenancy on: the workflows the
    person building sees)."""
    return [(name, name) for name in scope(Workflow.objects.all(), current_visibility())
            .order_by("name").values_list("name", flat=True)]


@trigger_registry.register
class RunFailed(Trigger):
    """Fires when a run fails (after its retries), for every workflow or the ones
    named in `workflows`::

        {"type": "run.failed", "workflows": ["New order processing"]}

    Scope: `run.*` (the failed run: id, error, when it started and ended, what
    started it), `workflow.*` (its workflow: id, name, version), `failed_step.*`
    (the step that failed: key, label, type, error, attempts; unset when the run
    failed before any step, e.g. because its version is no longer valid) and
    `event.*`.
    """

    key = "run.failed"
    label = "A run fails"
    description = ("Runs when a run of any workflow, or of the workflows you choose, fails "
                   "— to alert someone with the step and the error.")
    group = "Workflows"
    config_params = (
        Param(WORKFLOWS, ArrayType(SuggestedChoice(workflow_name_choices, "Workflow")),
              "Workflows", required=False,
              help="Only failures of these workflows; leave empty for every workflow."),
    )

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        return ScopeSchema([
            ScopeField(RUN, ObjectType([
                ScopeField("id", Number(), "Run number"),
                ScopeField("status", String(), "Status"),
                ScopeField("error", String(), "Error", help="Why the run failed."),
                ScopeField("started_at", DateTime(), "Started at"),
                ScopeField("finished_at", DateTime(), "Failed at"),
                ScopeField("summary", String(), "Started by",
                           help="What started the run, e.g. “Order A-1001 created”."),
            ], type_name="Failed run"), "Failed run"),
            ScopeField(WORKFLOW, ObjectType([
                ScopeField("id", Number(), "Workflow id"),
                ScopeField("name", String(), "Name"),
                ScopeField("version", Number(), "Version"),
            ], type_name="Workflow of the failed run"), "Workflow of the failed run"),
            ScopeField(FAILED_STEP, ObjectType([
                ScopeField("key", String(), "Key"),
                ScopeField("label", String(), "Label"),
                ScopeField("type", String(), "Step type"),
                ScopeField("error", String(), "Error"),
                ScopeField("attempts", Number(), "Attempts"),
            ], type_name="Failed step"), "Failed step",
                help="The step that failed; unset when the run failed before any step."),
            event_scope_field(),
        ])

    def listens_to(self, config: Mapping[str, Any], event: Event) -> bool:
        names = config.get(WORKFLOWS) or []
        if not names:
            return True
        workflow = (event.payload or {}).get(WORKFLOW) or {}
        return workflow.get("name") in names

    def check_saved(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        """The watched workflows exist now (names are checked when saving only, so a
        watched workflow renamed later does not make a stored version invalid)."""
        names = [name.strip() for name in config.get(WORKFLOWS) or []]
        query = Workflow.objects.filter(name__in=names)
        acting = acting_tenant()  # with tenancy on: the saved workflow's tenant
        if acting is not UNSET:
            query = of_tenant(query, acting)
        existing = set(query.values_list("name", flat=True))
        return [DefinitionError(join_path(join_path(path, WORKFLOWS), index),
                                f'no workflow is named "{name}"')
                for index, name in enumerate(names) if name not in existing]

    @classmethod
    def record_failures(cls, runs: list[Run]) -> list[Event]:
        """Record one event per failed run (call in the transaction that failed them)."""
        ids = [run.pk for run in runs]
        names = dict(Workflow.objects.filter(pk__in={run.workflow_id for run in runs})
                     .values_list("pk", "name"))
        events = {event.pk: event for event in Event.objects.filter(
            pk__in={run.event_id for run in runs}).only("pk", "summary", "record_model",
                                                        "record_pk")}
        failed_steps: dict[int, StepRun] = {}
        for row in StepRun.objects.filter(run_id__in=ids, status=StepStatus.FAILED
                                          ).order_by("run_id", "index"):
            failed_steps[row.run_id] = row  # the last failed step is the one that stopped it
        now = timezone.now()
        recorded = []
        for run in runs:
            name = names.get(run.workflow_id, f"workflow {run.workflow_id}")
            trigger_event = events.get(run.event_id)
            payload = {
                RUN: {"id": run.pk, "status": run.status, "error": run.error,
                      "started_at": run.started_at.isoformat() if run.started_at else None,
                      "finished_at": now.isoformat(),
                      "summary": trigger_event.summary if trigger_event else ""},
                WORKFLOW: {"id": run.workflow_id, "name": name,
                           "version": getattr(run.version, "number", None)},
                FAILED_STEP: _step_values(run, failed_steps.get(run.pk)),
            }
            recorded.append(cls.record(
                payload=payload, summary=f'Run #{run.pk} of "{name}" failed',
                record_model=trigger_event.record_model if trigger_event else "",
                record_pk=trigger_event.record_pk if trigger_event else "",
                cause=Cause(run.pk, tuple(run.chain or (run.workflow_id,)))))
        return recorded


def _step_values(run: Run, row: StepRun | None) -> dict[str, Any] | None:
    if row is None:
        return None
    label = ""
    with contextlib.suppress(InvalidDefinition, KeyError):  # a version no longer valid
        label = compiled_definition(run.version).step(row.key).label
    return {"key": row.key, "label": label or row.key, "type": row.step_type,
            "error": row.error, "attempts": row.attempt}


def record_failed_runs(sender: Any, runs: list[Run], **kwargs: Any) -> None:
    """`runs_finished` receiver: record `run.failed` for the runs that failed, when
    any active workflow listens to failures."""
    # A failed branch run of a `parallel` step is a step of its run, not a run.
    failed = [run for run in runs if run.status == RunStatus.FAILED and not run.parent_id]
    if not failed or not Workflow.objects.filter(trigger_type=RunFailed.key,
                                                 is_active=True).exists():
        return
    RunFailed.record_failures(failed)


runs_finished.connect(record_failed_runs, dispatch_uid="workflows_run_failed")
