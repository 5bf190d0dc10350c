"""The executor: runs the steps of one claimed run, checkpointing each result.

Guarantees (DESIGN.md section 5):
- a step's result (status, redacted inputs, outputs, error, attempt, start,
  duration) is saved as soon as it finishes, in one transaction with the renewal
  of the run's lease; a resumed run skips every step that already succeeded, was
  skipped, or failed with `on_error: continue`;
- a step that only writes the database (`transactional = True`, e.g.
  `record.update`) does its work and records its result in one transaction:
  exactly once;
- a failing step is retried with exponential back-off (`retry`), the run parked
  as `waiting` in between; when attempts run out the run fails (or goes on, with
  `on_error: continue`);
- `delay` parks the run until its due time; `filter` ends it quietly;
- the worker holds a lease on the run; a cancelled run, or one whose lease
  another worker took over, stops after the step in progress;
- changes the steps make carry the run's causal chain (loop prevention).

Steps with effects outside the database are marked "running" before they start
(`StepType.marks_start`); instant steps (`filter`, `delay`) and transactional
ones are not, which saves a commit each. A run whose worker died mid-step is
resumed at that step (same idempotency key) once the lease expires.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine import InvalidDefinition, ValidatedDefinition
from engine.definition import CompiledStep
from engine.errors import EngineError
from engine.types import ObjectType
from workflows_app.conf import workflow_settings
from workflows_app.execution.context import Cause, StepContext, caused_by
from workflows_app.execution.definitions import compiled_definition
from workflows_app.execution.flow import StepError, StopRun, WaitUntil
from workflows_app.execution.redaction import redact, redact_text
from workflows_app.execution.snapshot import json_value
from workflows_app.execution.values import event_values, hydrate
from workflows_app.models import Run, RunStatus, StepRun, StepStatus

logger = logging.getLogger("workflows_app.executor")

DONE_STEP_STATUSES = {StepStatus.SUCCEEDED, StepStatus.SKIPPED}
FINAL_RUN_STATUSES = {RunStatus.SUCCEEDED, RunStatus.FAILED}
MAX_ERROR_LENGTH = 5000
#: Set on a claimed `Run` by `claim_runs` when it had never started (no step rows).
FRESH_RUN_ATTRIBUTE = "_workflows_fresh"


class LeaseLost(Exception):
    """The run was cancelled or taken over by another worker: stop quietly."""


def error_text(exc: BaseException) -> str:
    if isinstance(exc, StepError | EngineError):
        return str(exc)[:MAX_ERROR_LENGTH]
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


class RunExecutor:
    """Executes one run held by `worker_id` until it finishes, parks or is lost."""

    def __init__(self, run: Run, worker_id: str) -> None:
        self.run = run
        self.worker_id = worker_id
        self.last_outputs: Mapping[str, Any] = {}
        self._lease_lost = False

    # -- the run row -----------------------------------------------------------

    def _lease_fields(self) -> dict[str, Any]:
        return {"lease_expires_at": timezone.now()
                + timedelta(seconds=workflow_settings.LEASE_SECONDS)}

    def _final_fields(self, status: str, error: str, due_at: datetime | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"status": status, "error": error[:MAX_ERROR_LENGTH],
                                  "lease_owner": "", "lease_expires_at": None,
                                  "due_at": due_at}
        if status in FINAL_RUN_STATUSES:
            fields["finished_at"] = timezone.now()
        return fields

    def _update_run(self, fields: dict[str, Any], *, only_if_running: bool) -> bool:
        query = Run.objects.filter(pk=self.run.pk, lease_owner=self.worker_id)
        if only_if_running:
            query = query.filter(status=RunStatus.RUNNING)
        updated = bool(query.update(**fields))
        if updated:
            for name, value in fields.items():
                setattr(self.run, name, value)
        return updated

    def finish(self, status: str, error: str = "", *, due_at: datetime | None = None) -> None:
        """Record the run's outcome and give the lease back (unless it was cancelled
        or taken over meanwhile: then the stored status stands)."""
        if not self._update_run(self._final_fields(status, error, due_at),
                                only_if_running=False):
            self._lease_lost = True

    def _save_row(self, row: StepRun) -> None:
        if row.pk:
            row.save()
        else:
            row.save(force_insert=True)

    def _checkpoint(self, row: StepRun, *, finish: tuple[str, str, datetime | None] | None
                    = None) -> None:
        """Save `row` and, in the same transaction, renew the lease or finish the run."""
        with transaction.atomic():
            self._save_row(row)
            self._after_row(finish)

    def _after_row(self, finish: tuple[str, str, datetime | None] | None) -> None:
        if finish is not None:
            self.finish(*finish[:2], due_at=finish[2])
            return
        if not self._update_run(self._lease_fields(), only_if_running=True):
            self._lease_lost = True  # the checkpoint is kept; the run stops after it

    # -- main loop -------------------------------------------------------------

    def execute(self) -> str:
        """Run the remaining steps; returns the run's status afterwards."""
        self._lease_lost = False
        try:
            return self._execute()
        except LeaseLost:
            self.run.refresh_from_db(fields=["status"])
            return self.run.status

    def _execute(self) -> str:
        try:
            definition = compiled_definition(self.run.version)
        except InvalidDefinition as exc:
            self.finish(RunStatus.FAILED, f"version {self.run.version.number} is no longer "
                                          f"valid: {exc}")
            return RunStatus.FAILED
        values = event_values(self.run.event, definition.scope)
        step_values: dict[str, Any] = {}
        values["steps"] = step_values
        fresh = getattr(self.run, FRESH_RUN_ATTRIBUTE, False)
        rows = {} if fresh else {row.key: row for row in self.run.steps.all()}
        last_index = len(definition.steps) - 1
        for step in definition.steps:
            row = rows.get(step.key)
            if row is not None and self._already_done(row, step):
                step_values[step.key] = self._hydrate_outputs(step, row.outputs)
                continue
            outcome = self._run_step(definition, step, row, values,
                                     last=step.index == last_index)
            if outcome is not None:
                if self._lease_lost:
                    raise LeaseLost()
                return outcome
            if self._lease_lost:
                raise LeaseLost()
            step_values[step.key] = self._hydrate_outputs(step, self.last_outputs)
        if self.run.status not in FINAL_RUN_STATUSES and not self._lease_lost:
            self.finish(RunStatus.SUCCEEDED)
        if self._lease_lost:
            raise LeaseLost()
        return self.run.status

    @staticmethod
    def _already_done(row: StepRun, step: CompiledStep) -> bool:
        if row.status in DONE_STEP_STATUSES:
            return True
        return row.status == StepStatus.FAILED and step.on_error == "continue"

    def _hydrate_outputs(self, step: CompiledStep, outputs: Mapping[str, Any] | None) -> Any:
        return hydrate(ObjectType(step.output_fields), dict(outputs or {}))

    # -- one step --------------------------------------------------------------

    def _run_step(self, definition: ValidatedDefinition, step: CompiledStep,
                  row: StepRun | None, values: dict[str, Any], *, last: bool) -> str | None:
        """Run one step; None to go on, or the run's new status to stop here."""
        now = timezone.now()
        success_finish = (RunStatus.SUCCEEDED, "", None) if last else None
        if row is None:
            row = StepRun(run=self.run, index=step.index, key=step.key,
                          step_type=step.type_key)
        elif row.status == StepStatus.WAITING:
            if row.due_at and row.due_at > now:
                self.finish(RunStatus.WAITING, due_at=row.due_at)
                return RunStatus.WAITING
            self._record(row, StepStatus.SUCCEEDED, outputs={"resumed_at": now.isoformat()})
            self._checkpoint(row, finish=success_finish)
            return None
        elif row.due_at and row.due_at > now:  # retry back-off not over yet
            self.finish(RunStatus.WAITING, due_at=row.due_at)
            return RunStatus.WAITING
        if step.when is not None and not step.when.evaluate(values, now=now):
            explanation = step.when.explain(values, now=now).first_failure()
            self._record(row, StepStatus.SKIPPED, outputs={}, note=(
                f"skipped: {explanation.message}" if explanation else "skipped"))
            self._checkpoint(row, finish=success_finish)
            return None
        row.attempt += 1
        row.started_at = now
        row.due_at = None
        secret_names = [param.name for param in step.step_type.params if param.secret]
        try:
            inputs = step.resolve_inputs(values)
        except Exception as exc:  # a value that no longer fits its type
            self._record(row, StepStatus.FAILED,
                         error=f"could not resolve the inputs: {error_text(exc)}")
            return self._after_failure(step, row, last=last)
        secrets = [inputs.get(name) for name in secret_names]
        row.inputs = json_value(redact(inputs, secret_names=secret_names))
        if step.step_type.marks_start and not step.step_type.transactional:
            row.status = StepStatus.RUNNING
            row.error = ""
            self._checkpoint(row)
            if self._lease_lost:
                raise LeaseLost()
        context = StepContext(run_id=self.run.pk, workflow_id=self.run.workflow_id,
                              step_key=step.key, attempt=row.attempt, now=now, values=values,
                              chain=tuple(self.run.chain), schema=step.schema)
        started = time.monotonic()
        try:
            with caused_by(Cause(self.run.pk, tuple(self.run.chain))):
                if step.step_type.transactional:
                    with transaction.atomic():
                        outputs = step.step_type.run(inputs, context)
                        self._record_success(row, outputs, started, context)
                        self._save_row(row)
                        self._after_row(success_finish)
                else:
                    outputs = step.step_type.run(inputs, context)
                    self._record_success(row, outputs, started, context)
                    self._checkpoint(row, finish=success_finish)
        except WaitUntil as wait:
            row.status = StepStatus.WAITING
            row.due_at = wait.due
            row.duration_ms = _elapsed_ms(started)
            self._checkpoint(row, finish=(RunStatus.WAITING, "", wait.due))
            return RunStatus.WAITING
        except StopRun as stop:
            self._record(row, StepStatus.SUCCEEDED, outputs=json_value(stop.outputs),
                         note=stop.reason, started=started)
            with transaction.atomic():
                self._save_row(row)
                self._skip_rest(definition, step, stop.reason)
                self.finish(RunStatus.SUCCEEDED)
            return RunStatus.SUCCEEDED
        except LeaseLost:
            raise
        except Exception as exc:
            message = redact_text(error_text(exc), secrets)
            logger.info("run %s step %s attempt %s failed: %s", self.run.pk, step.key,
                        row.attempt, message)
            self._record(row, StepStatus.FAILED, error=message, started=started)
            return self._after_failure(step, row, last=last)
        return None

    def _after_failure(self, step: CompiledStep, row: StepRun, *, last: bool) -> str | None:
        if row.attempt < step.max_attempts:
            delay = step.backoff_seconds * (2 ** (row.attempt - 1))
            due = timezone.now() + timedelta(seconds=delay)
            row.status = StepStatus.PENDING
            row.due_at = due
            self._checkpoint(row, finish=(RunStatus.WAITING, "", due))
            return RunStatus.WAITING
        if step.on_error == "continue":
            self._checkpoint(row, finish=(RunStatus.SUCCEEDED, "", None) if last else None)
            return None
        self._checkpoint(row, finish=(RunStatus.FAILED, f'step "{step.key}" failed: {row.error}',
                                      None))
        return RunStatus.FAILED

    def _skip_rest(self, definition: ValidatedDefinition, after: CompiledStep,
                   reason: str) -> None:
        existing = set(self.run.steps.values_list("key", flat=True))
        StepRun.objects.bulk_create([
            StepRun(run=self.run, index=step.index, key=step.key, step_type=step.type_key,
                    status=StepStatus.SKIPPED, error="", outputs={},
                    attempts_log=[{"note": f"not run: {reason}"}])
            for step in definition.steps[after.index + 1:] if step.key not in existing
        ])

    # -- recording results (in memory; `_checkpoint` saves) ----------------------

    def _record_success(self, row: StepRun, outputs: Any, started: float,
                        context: StepContext) -> None:
        self._record(row, StepStatus.SUCCEEDED, outputs=json_value(outputs or {}),
                     started=started, note="; ".join(context.notes))

    def _record(self, row: StepRun, status: str, *, outputs: Any = None, error: str = "",
                note: str = "", started: float | None = None) -> None:
        now = timezone.now()
        row.status = status
        row.outputs = outputs if outputs is not None else row.outputs
        row.error = error
        row.finished_at = now
        row.due_at = None
        if started is not None:
            row.duration_ms = _elapsed_ms(started)
        entry: dict[str, Any] = {"attempt": row.attempt, "status": status,
                                 "at": now.isoformat()}
        if row.duration_ms is not None and started is not None:
            entry["duration_ms"] = row.duration_ms
        if error:
            entry["error"] = error
        if note:
            entry["note"] = note
        row.attempts_log = [*row.attempts_log, entry]
        self.last_outputs = row.outputs or {}


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))
