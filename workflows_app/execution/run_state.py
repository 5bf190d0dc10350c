"""One run as the executor holds it: its compiled definition, scope values and
step rows, and the rules that move it from step to step (skip what is done,
`when`, retries with back-off, `on_error`, parking, finishing).

Nothing here writes the database: changed step rows are collected in `dirty`
and the run's end in `finish`, for the executor to save (`checkpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from engine import ValidatedDefinition
from engine.definition import CompiledStep
from engine.errors import EngineError
from engine.types import ObjectType
from workflows_app.execution.flow import StepError
from workflows_app.execution.values import hydrate
from workflows_app.models import Run, RunStatus, StepRun, StepStatus

DONE_STEP_STATUSES = {StepStatus.SUCCEEDED, StepStatus.SKIPPED}
FINAL_RUN_STATUSES = {RunStatus.SUCCEEDED, RunStatus.FAILED}
MAX_ERROR_LENGTH = 5000
NOT_RETRIED_NOTE = "not retried: another attempt would fail the same way"


def error_text(exc: BaseException) -> str:
    if isinstance(exc, StepError | EngineError):
        return str(exc)[:MAX_ERROR_LENGTH]
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


@dataclass
class Finish:
    """How a run stops being worked on: its new status, error and due time."""

    status: str
    error: str = ""
    due_at: datetime | None = None


@dataclass
class RunState:
    run: Run
    definition: ValidatedDefinition | None = None
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, StepRun] = field(default_factory=dict)
    position: int = 0
    finish: Finish | None = None
    #: The run's status once it stopped being ours (finished, parked or lost).
    result: str | None = None
    dirty: list[StepRun] = field(default_factory=list)
    #: True while a step of this run is in flight in the step pool.
    in_flight: bool = False
    #: Run the next transactional step alone (a shared transaction failed).
    careful: bool = False
    #: Since when (monotonic) the run's next step waits for a free step slot.
    slot_wait_since: float | None = None

    @property
    def pk(self) -> int:
        return self.run.pk

    @property
    def active(self) -> bool:
        return self.result is None

    def save_later(self, row: StepRun) -> None:
        if row not in self.dirty:
            self.dirty.append(row)

    # -- moving along ------------------------------------------------------------

    def next_step(self, now: datetime) -> tuple[CompiledStep, StepRun] | None:
        """Skip what is done; the next step to run and its row, or None when the
        run finished or parks (then `finish` says how)."""
        assert self.definition is not None
        steps = self.definition.steps
        while self.position < len(steps):
            step = steps[self.position]
            row = self.rows.get(step.key)
            if row is not None and self._already_done(row, step):
                self.remember_outputs(step, row.outputs)
                self.position += 1
                continue
            if row is not None and row.due_at and row.due_at > now:  # delay or back-off
                self.finish = Finish(RunStatus.WAITING, due_at=row.due_at)
                return None
            if row is not None and row.status == StepStatus.WAITING:  # a delay fell due
                self.record(row, StepStatus.SUCCEEDED, outputs={"resumed_at": now.isoformat()})
                self.remember_outputs(step, row.outputs)
                self.position += 1
                continue
            if row is None:
                row = StepRun(run=self.run, index=step.index, key=step.key,
                              step_type=step.type_key)
                self.rows[step.key] = row
            return step, row
        self.finish = Finish(RunStatus.SUCCEEDED)
        return None

    @staticmethod
    def _already_done(row: StepRun, step: CompiledStep) -> bool:
        if row.status in DONE_STEP_STATUSES:
            return True
        return row.status == StepStatus.FAILED and step.on_error == "continue"

    def remember_outputs(self, step: CompiledStep, outputs: Any) -> None:
        self.values["steps"][step.key] = hydrate(ObjectType(step.output_fields),
                                                 dict(outputs or {}))

    def advance(self, step: CompiledStep, row: StepRun) -> None:
        self.remember_outputs(step, row.outputs)
        self.position += 1
        assert self.definition is not None
        if self.position >= len(self.definition.steps):
            self.finish = Finish(RunStatus.SUCCEEDED)

    def after_failure(self, step: CompiledStep, row: StepRun, *,
                      retryable: bool = True) -> None:
        """Retry with back-off, go on (`on_error: continue`) or fail the run. A
        failure that is not `retryable` is not tried again."""
        if not retryable and row.attempt < step.max_attempts and row.attempts_log:
            last = dict(row.attempts_log[-1])
            last["note"] = NOT_RETRIED_NOTE
            row.attempts_log = [*row.attempts_log[:-1], last]
        if retryable and row.attempt < step.max_attempts:
            delay = step.backoff_seconds * (2 ** (row.attempt - 1))
            due = timezone.now() + timedelta(seconds=delay)
            row.status = StepStatus.PENDING
            row.due_at = due
            self.finish = Finish(RunStatus.WAITING, due_at=due)
        elif step.on_error == "continue":
            self.advance(step, row)
        else:
            self.fail(f'step "{step.key}" failed: {row.error}')

    def fail(self, error: str) -> None:
        self.finish = Finish(RunStatus.FAILED, error[:MAX_ERROR_LENGTH])

    def skip_rest(self, after: CompiledStep, reason: str) -> None:
        assert self.definition is not None
        for step in self.definition.steps[after.index + 1:]:
            if step.key not in self.rows:
                row = StepRun(run=self.run, index=step.index, key=step.key,
                              step_type=step.type_key, status=StepStatus.SKIPPED, outputs={},
                              attempts_log=[{"note": f"not run: {reason}"}])
                self.rows[step.key] = row
                self.save_later(row)

    def record(self, row: StepRun, status: str, *, outputs: Any = None, error: str = "",
               note: str = "", duration_ms: int | None = None) -> None:
        """Set a step's result and add the attempt to its log."""
        now = timezone.now()
        row.status = status
        row.outputs = outputs if outputs is not None else row.outputs
        row.error = error
        row.finished_at = now
        row.due_at = None
        if duration_ms is not None:
            row.duration_ms = duration_ms
        entry: dict[str, Any] = {"attempt": row.attempt, "status": status, "at": now.isoformat()}
        if duration_ms is not None:
            entry["duration_ms"] = duration_ms
        if error:
            entry["error"] = error
        if note:
            entry["note"] = note
        row.attempts_log = [*row.attempts_log, entry]
        self.save_later(row)
