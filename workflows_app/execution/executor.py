"""The executor: runs the steps of claimed runs, checkpointing each result.

Guarantees (docs/execution.md):
- a step's result (status, redacted inputs, outputs, error, attempt, start,
  duration) is saved as soon as it finishes, before the next step of its run
  starts, in one transaction with the renewal of the run's lease; a resumed run
  skips every step that already succeeded, was skipped, or failed with
  `on_error: continue`;
- a step that only writes the database (`transactional = True`, e.g.
  `record.update`) does its work and records its result in one transaction:
  exactly once (the transactional steps of a round share one transaction; if
  any of them fails it is rolled back and each runs again in its own);
- a failing step is retried with exponential back-off (`retry`), the run parked
  as `waiting` in between; when attempts run out the run fails (or goes on, with
  `on_error: continue`);
- `delay` parks the run until its due time; `filter` ends it quietly;
- the worker holds a lease on each run; a cancelled run, or one whose lease
  another worker took over, stops after the step in progress;
- changes the steps make carry the run's causal chain (loop prevention).

Runs are executed in batches, step by step: in each round every run of the batch
runs its next step, then the results of the whole round are written in one
transaction (bulk inserts and updates), so the database round trips per run stay
few. Steps with effects outside the database are first marked "running"
(`StepType.marks_start`), also in one write per round; a run whose worker died
mid-step is resumed at that step (same idempotency key) once its lease expires.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine import InvalidDefinition, ValidatedDefinition
from engine.definition import CompiledStep
from engine.errors import EngineError
from engine.types import ObjectType
from workflows_app.conf import workflow_settings
from workflows_app.execution import statements
from workflows_app.execution.context import Cause, StepContext, caused_by
from workflows_app.execution.definitions import compiled_definition
from workflows_app.execution.flow import StepError, StopRun, WaitUntil
from workflows_app.execution.redaction import redact_inputs, redact_text
from workflows_app.execution.signals import runs_changed, runs_finished
from workflows_app.execution.snapshot import json_value
from workflows_app.execution.values import event_values, hydrate
from workflows_app.models import Run, RunStatus, StepRun, StepStatus

logger = logging.getLogger("workflows_app.executor")

DONE_STEP_STATUSES = {StepStatus.SUCCEEDED, StepStatus.SKIPPED}
FINAL_RUN_STATUSES = {RunStatus.SUCCEEDED, RunStatus.FAILED}
MAX_ERROR_LENGTH = 5000
#: Set on a claimed `Run` by `claim_runs` when it had never started (no step rows).
FRESH_RUN_ATTRIBUTE = "_workflows_fresh"
ROW_FIELDS = ["status", "attempt", "inputs", "outputs", "error", "attempts_log", "due_at",
              "started_at", "finished_at", "duration_ms"]


def error_text(exc: BaseException) -> str:
    if isinstance(exc, StepError | EngineError):
        return str(exc)[:MAX_ERROR_LENGTH]
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


@dataclass
class _Finish:
    status: str
    error: str = ""
    due_at: datetime | None = None


@dataclass
class _State:
    """One run of the batch: its compiled definition, scope values and step rows."""

    run: Run
    definition: ValidatedDefinition | None = None
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, StepRun] = field(default_factory=dict)
    position: int = 0
    finish: _Finish | None = None
    #: The run's status once it stopped being ours (finished, parked or lost).
    result: str | None = None
    dirty: list[StepRun] = field(default_factory=list)

    def save_later(self, row: StepRun) -> None:
        if row not in self.dirty:
            self.dirty.append(row)


@dataclass
class _Plan:
    state: _State
    step: CompiledStep
    row: StepRun
    inputs: dict[str, Any] = field(default_factory=dict)
    secrets: list[Any] = field(default_factory=list)
    context: StepContext | None = None


class BatchExecutor:
    """Executes claimed runs (held by `worker_id`) until each finishes, parks or is lost."""

    def __init__(self, runs: Iterable[Run], worker_id: str) -> None:
        self.runs = list(runs)
        self.worker_id = worker_id

    # -- entry point -----------------------------------------------------------

    def execute(self) -> dict[int, str]:
        """Run every run as far as it goes; returns each run's status afterwards."""
        states = self._prepare(self.runs)
        while True:
            active = [state for state in states if state.result is None]
            if not active:
                break
            self._round(active)
        return {state.run.pk: state.result or state.run.status for state in states}

    def _prepare(self, runs: list[Run]) -> list[_State]:
        states = [_State(run) for run in runs]
        resumed = [state.run.pk for state in states
                   if not getattr(state.run, FRESH_RUN_ATTRIBUTE, False)]
        rows_by_run: dict[int, dict[str, StepRun]] = {}
        if resumed:
            for row in StepRun.objects.filter(run_id__in=resumed):
                rows_by_run.setdefault(row.run_id, {})[row.key] = row
        for state in states:
            state.rows = rows_by_run.get(state.run.pk, {})
            try:
                state.definition = compiled_definition(state.run.version)
            except InvalidDefinition as exc:
                state.finish = _Finish(RunStatus.FAILED, f"version {state.run.version.number} "
                                                         f"is no longer valid: {exc}")
                continue
            state.values = event_values(state.run.event, state.definition.scope)
            state.values["steps"] = {}
        self._flush([state for state in states if state.finish is not None], continuing=[])
        return states

    # -- one round: every active run runs its next step --------------------------

    def _round(self, active: list[_State]) -> None:
        plans: list[_Plan] = []
        for state in active:
            plan = self._next(state)
            if plan is not None:
                plans.append(plan)
        runnable = [plan for plan in plans if self._prepare_step(plan)]
        marked = [plan for plan in runnable
                  if plan.step.step_type.marks_start and not plan.step.step_type.transactional]
        if marked:
            for plan in marked:
                plan.row.status = StepStatus.RUNNING
                plan.state.save_later(plan.row)
            self._flush([], continuing=[plan.state for plan in marked])
            for plan in marked:
                if plan.state.result is not None:  # cancelled meanwhile: never started
                    plan.row.status = StepStatus.SKIPPED
                    plan.row.attempts_log = [*plan.row.attempts_log,
                                             {"note": f"not run: the run is {plan.state.result}"}]
                    _save_rows([plan.row])
            runnable = [plan for plan in runnable if plan.state.result is None]
        together = [plan for plan in runnable if plan.step.step_type.transactional]
        if len(together) > 1 and self._run_together(together):
            runnable = [plan for plan in runnable if not plan.step.step_type.transactional]
        for plan in runnable:
            self._run(plan)
        self._flush([state for state in active if state.finish is not None],
                    continuing=[state for state in active
                                if state.finish is None and state.result is None])

    def _next(self, state: _State) -> _Plan | None:
        """Skip what is done; return the next step to run, or None (finished/parked)."""
        assert state.definition is not None
        steps = state.definition.steps
        now = timezone.now()
        while state.position < len(steps):
            step = steps[state.position]
            row = state.rows.get(step.key)
            if row is not None and self._already_done(row, step):
                self._remember_outputs(state, step, row.outputs)
                state.position += 1
                continue
            if row is not None and row.due_at and row.due_at > now:  # delay or back-off
                state.finish = _Finish(RunStatus.WAITING, due_at=row.due_at)
                return None
            if row is not None and row.status == StepStatus.WAITING:  # a delay fell due
                self._record(state, row, StepStatus.SUCCEEDED,
                             outputs={"resumed_at": now.isoformat()})
                self._remember_outputs(state, step, row.outputs)
                state.position += 1
                continue
            if row is None:
                row = StepRun(run=state.run, index=step.index, key=step.key,
                              step_type=step.type_key)
                state.rows[step.key] = row
            return _Plan(state, step, row)
        state.finish = _Finish(RunStatus.SUCCEEDED)
        return None

    @staticmethod
    def _already_done(row: StepRun, step: CompiledStep) -> bool:
        if row.status in DONE_STEP_STATUSES:
            return True
        return row.status == StepStatus.FAILED and step.on_error == "continue"

    def _remember_outputs(self, state: _State, step: CompiledStep, outputs: Any) -> None:
        state.values["steps"][step.key] = hydrate(ObjectType(step.output_fields),
                                                  dict(outputs or {}))

    # -- one step --------------------------------------------------------------

    def _prepare_step(self, plan: _Plan) -> bool:
        """`when` and inputs; False when the step is settled without running."""
        state, step, row = plan.state, plan.step, plan.row
        now = timezone.now()
        if step.when is not None:
            result = step.when.explain(state.values, now=now)
            if not result.matched:
                failure = result.first_failure()
                self._record(state, row, StepStatus.SKIPPED, outputs={}, note=(
                    f"skipped: {failure.message}" if failure and failure.message else "skipped"))
                self._advance(state, step, row)
                return False
        row.attempt += 1
        row.started_at = now
        row.due_at = None
        row.error = ""
        try:
            plan.inputs = step.resolve_inputs(state.values)
        except Exception as exc:  # a value that no longer fits its type
            self._record(state, row, StepStatus.FAILED,
                         error=f"could not resolve the inputs: {error_text(exc)}")
            self._after_failure(state, step, row)
            return False
        shown, plan.secrets = redact_inputs(step.step_type, plan.inputs)
        row.inputs = json_value(shown)
        plan.context = StepContext(run_id=state.run.pk, workflow_id=state.run.workflow_id,
                                   step_key=step.key, attempt=row.attempt, now=now,
                                   values=state.values, chain=tuple(state.run.chain),
                                   schema=step.schema)
        return True

    def _run(self, plan: _Plan) -> None:
        state, step, row, context = plan.state, plan.step, plan.row, plan.context
        assert context is not None
        started = time.monotonic()
        was_new = row.pk is None
        try:
            with caused_by(Cause(state.run.pk, tuple(state.run.chain))):
                if step.step_type.transactional:
                    with transaction.atomic():
                        outputs = step.step_type.run(plan.inputs, context)
                        self._record(state, row, StepStatus.SUCCEEDED,
                                     outputs=json_value(outputs or {}), started=started,
                                     note="; ".join(context.notes))
                        _save_rows([row])
                        state.dirty.remove(row)
                else:
                    outputs = step.step_type.run(plan.inputs, context)
                    self._record(state, row, StepStatus.SUCCEEDED,
                                 outputs=json_value(outputs or {}), started=started,
                                 note="; ".join(context.notes))
        except WaitUntil as wait:
            row.status = StepStatus.WAITING
            row.due_at = wait.due
            row.duration_ms = _elapsed_ms(started)
            state.save_later(row)
            state.finish = _Finish(RunStatus.WAITING, due_at=wait.due)
            return
        except StopRun as stop:
            self._record(state, row, StepStatus.SUCCEEDED, outputs=json_value(stop.outputs),
                         note=stop.reason, started=started)
            self._skip_rest(state, step, stop.reason)
            state.finish = _Finish(RunStatus.SUCCEEDED)
            return
        except Exception as exc:
            if was_new and step.step_type.transactional:
                row.pk = None  # its insert was rolled back with the step's transaction
            message = redact_text(error_text(exc), plan.secrets)
            logger.info("run %s step %s attempt %s failed: %s", state.run.pk, step.key,
                        row.attempt, message)
            self._record(state, row, StepStatus.FAILED, error=message, started=started)
            self._after_failure(state, step, row)
            return
        self._advance(state, step, row)

    def _run_together(self, plans: list[_Plan]) -> bool:
        """Run the transactional steps of a round in one transaction, their results
        saved with them: one commit for the round instead of one per run.

        Optimistic: if any step raises (or the commit fails, e.g. a deadlock with
        another worker), everything is rolled back, the rows are put back as they
        were, and False tells the caller to run each step alone, where a failure is
        recorded as usual. Transactional steps only write the database, so the
        rolled-back attempt left no trace."""
        before = [(plan, {name: getattr(plan.row, name) for name in ROW_FIELDS},
                   list(plan.state.dirty)) for plan in plans]
        try:
            with transaction.atomic():
                finished = []
                for plan in plans:
                    assert plan.context is not None
                    started = time.monotonic()
                    with caused_by(Cause(plan.state.run.pk, tuple(plan.state.run.chain))):
                        outputs = plan.step.step_type.run(plan.inputs, plan.context)
                    finished.append((plan, outputs, started))
                for plan, outputs, started in finished:
                    assert plan.context is not None
                    self._record(plan.state, plan.row, StepStatus.SUCCEEDED,
                                 outputs=json_value(outputs or {}), started=started,
                                 note="; ".join(plan.context.notes))
                _save_rows([plan.row for plan in plans])
        except Exception:
            logger.debug("a batch of %s transactional steps was rolled back; running them "
                         "one by one", len(plans), exc_info=True)
            for plan, fields, dirty in before:
                for name, value in fields.items():
                    setattr(plan.row, name, value)
                plan.state.dirty[:] = dirty
                if plan.context is not None:
                    plan.context.notes.clear()
            return False
        for plan in plans:
            plan.state.dirty.remove(plan.row)
            self._advance(plan.state, plan.step, plan.row)
        return True

    def _advance(self, state: _State, step: CompiledStep, row: StepRun) -> None:
        self._remember_outputs(state, step, row.outputs)
        state.position += 1
        assert state.definition is not None
        if state.position >= len(state.definition.steps):
            state.finish = _Finish(RunStatus.SUCCEEDED)

    def _after_failure(self, state: _State, step: CompiledStep, row: StepRun) -> None:
        if row.attempt < step.max_attempts:
            delay = step.backoff_seconds * (2 ** (row.attempt - 1))
            due = timezone.now() + timedelta(seconds=delay)
            row.status = StepStatus.PENDING
            row.due_at = due
            state.finish = _Finish(RunStatus.WAITING, due_at=due)
        elif step.on_error == "continue":
            self._advance(state, step, row)
        else:
            state.finish = _Finish(RunStatus.FAILED, f'step "{step.key}" failed: {row.error}')

    def _skip_rest(self, state: _State, after: CompiledStep, reason: str) -> None:
        assert state.definition is not None
        for step in state.definition.steps[after.index + 1:]:
            if step.key not in state.rows:
                row = StepRun(run=state.run, index=step.index, key=step.key,
                              step_type=step.type_key, status=StepStatus.SKIPPED, outputs={},
                              attempts_log=[{"note": f"not run: {reason}"}])
                state.rows[step.key] = row
                state.save_later(row)

    def _record(self, state: _State, row: StepRun, status: str, *, outputs: Any = None,
                error: str = "", note: str = "", started: float | None = None) -> None:
        now = timezone.now()
        row.status = status
        row.outputs = outputs if outputs is not None else row.outputs
        row.error = error
        row.finished_at = now
        row.due_at = None
        if started is not None:
            row.duration_ms = _elapsed_ms(started)
        entry: dict[str, Any] = {"attempt": row.attempt, "status": status, "at": now.isoformat()}
        if started is not None:
            entry["duration_ms"] = row.duration_ms
        if error:
            entry["error"] = error
        if note:
            entry["note"] = note
        row.attempts_log = [*row.attempts_log, entry]
        state.save_later(row)

    # -- writing a round's results -----------------------------------------------

    def _flush(self, finishing: list[_State], continuing: list[_State]) -> None:
        """Save dirty rows, finish or park `finishing` runs and renew the leases of
        `continuing` ones, in one transaction; runs found cancelled or taken over
        stop with the status the database holds."""
        rows = [row for state in (*finishing, *continuing) for row in state.dirty]
        if not rows and not finishing and not continuing:
            return
        with transaction.atomic():
            _save_rows(rows)
            lost = self._finish_runs(finishing)
            lost |= self._renew_leases(continuing)
            runs_changed.send(BatchExecutor, run_ids=[state.run.pk for state in
                                                      (*finishing, *continuing)])
            self._announce_finished([state for state in finishing
                                     if state.run.pk not in lost])
        for state in (*finishing, *continuing):
            state.dirty.clear()
        for state in finishing:
            if state.run.pk not in lost:
                assert state.finish is not None
                state.result = state.finish.status
                state.run.status = state.finish.status
        if lost:
            stored = dict(Run.objects.filter(pk__in=lost).values_list("pk", "status"))
            for state in (*finishing, *continuing):
                if state.run.pk in lost:
                    state.result = stored.get(state.run.pk, RunStatus.CANCELLED)
                    state.run.status = state.result

    @staticmethod
    def _announce_finished(states: list[_State]) -> None:
        """Send `runs_finished` for the runs of `states` that reached a final status."""
        runs = []
        for state in states:
            if state.finish is None or state.finish.status not in FINAL_RUN_STATUSES:
                continue
            state.run.status = state.finish.status
            state.run.error = state.finish.error[:MAX_ERROR_LENGTH]
            runs.append(state.run)
        if runs:
            runs_finished.send(BatchExecutor, runs=runs)

    def _finish_runs(self, states: list[_State]) -> set[int]:
        if not states:
            return set()
        now = timezone.now()
        groups: dict[tuple[str, str, datetime | None], list[int]] = {}
        for state in states:
            assert state.finish is not None
            key = (state.finish.status, state.finish.error[:MAX_ERROR_LENGTH],
                   state.finish.due_at)
            groups.setdefault(key, []).append(state.run.pk)
        done: set[int] = set()
        for (status, error, due_at), ids in groups.items():
            fields: dict[str, Any] = {"status": status, "error": error, "due_at": due_at,
                                      "lease_owner": "", "lease_expires_at": None}
            if status in FINAL_RUN_STATUSES:
                fields["finished_at"] = now
            query = Run.objects.filter(pk__in=ids, lease_owner=self.worker_id)
            if query.update(**fields) == len(ids):
                done.update(ids)
            else:
                done.update(Run.objects.filter(pk__in=ids, status=status, due_at=due_at,
                                               lease_owner="").values_list("pk", flat=True))
        return {state.run.pk for state in states} - done

    def _renew_leases(self, states: list[_State]) -> set[int]:
        if not states:
            return set()
        ids = [state.run.pk for state in states]
        until = timezone.now() + timedelta(seconds=workflow_settings.LEASE_SECONDS)
        query = Run.objects.filter(pk__in=ids, lease_owner=self.worker_id,
                                   status=RunStatus.RUNNING)
        if query.update(lease_expires_at=until) == len(ids):
            return set()
        kept = set(query.values_list("pk", flat=True))
        return set(ids) - kept


def _save_rows(rows: list[StepRun]) -> None:
    """Insert or update step rows (`INSERT ... ON CONFLICT (run, key) DO UPDATE`),
    all in one round trip."""
    statements.upsert(rows, conflict=["run", "key"], update=ROW_FIELDS)


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))
