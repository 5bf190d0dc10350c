"""One run as the executor holds it: its compiled definition, scope values and
step rows, and the rules that move it from step to step (skip what is done,
`when`, retries with back-off, `on_error`, parking, finishing), through nested
step lists too.

Nested steps (a `branch` path, a `for_each` item) are expanded here: a flow step
(`NestedSteps`) plans its rounds when the run reaches it, the plan is kept in its
checkpoint, and each nested step is checkpointed under its own key, made of the
rounds it is in (`each[3].notify`, `route.tell_sales`). A resumed run walks the
tree again from the top, skipping what is done, so it goes on at the item it
stopped at. The executor only ever sees leaf steps.

A `parallel` step (`BranchRuns`) is a leaf step for the run that reaches it (it
starts its branch runs and waits for them). A branch run walks the same tree
from the top, skips what is done, and at its `parallel` step runs only its own
branch, then ends (see `execution.branches`); it writes only its branch's
checkpoints.

Nothing here writes the database: changed step rows are collected in `dirty`
and the run's end in `finish`, for the executor to save (`checkpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from engine import ValidatedDefinition
from engine.definition import CompiledStep
from engine.errors import EngineError
from engine.steps import WaitContext, WaitOver
from engine.types import ObjectType
from workflows_app.execution.branches import owner_prefix, split_branch_path
from workflows_app.execution.flow import (
    BranchRuns,
    NestedPlan,
    NestedSteps,
    StepError,
    is_retryable,
)
from workflows_app.execution.live_records import LiveRecord
from workflows_app.execution.snapshot import json_value
from workflows_app.execution.values import hydrate
from workflows_app.models import Run, RunStatus, StepRun, StepStatus

DONE_STEP_STATUSES = {StepStatus.SUCCEEDED, StepStatus.SKIPPED}
FINAL_RUN_STATUSES = {RunStatus.SUCCEEDED, RunStatus.FAILED}
MAX_ERROR_LENGTH = 5000
NOT_RETRIED_NOTE = "not retried: another attempt would fail the same way"
_ABSENT = object()


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
class Frame:
    """One step list being worked through: the top level, or one round (a path,
    an item) of a flow step's nested steps."""

    steps: list[CompiledStep]
    position: int = 0
    #: Prefix of the checkpoint keys of the steps in this list ("" at the top).
    prefix: str = ""
    owner: CompiledStep | None = None
    owner_row: StepRun | None = None
    plan: NestedPlan | None = None
    round: int = 0
    #: Scope values this round replaced (`item`), restored when it ends.
    shadowed: dict[str, Any] = field(default_factory=dict)
    #: The branch a branch run runs: when it ends, the branch run ends.
    branch: bool = False


@dataclass
class RunState:
    run: Run
    definition: ValidatedDefinition | None = None
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, StepRun] = field(default_factory=dict)
    frames: list[Frame] = field(default_factory=list)
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
    #: The records served live (`record.*` read when a step runs).
    live: list[LiveRecord] = field(default_factory=list)
    #: Checkpoint keys of the definition's `parallel` steps (see `owns`).
    parallel_keys: frozenset[str] = frozenset()

    @property
    def pk(self) -> int:
        return self.run.pk

    @property
    def active(self) -> bool:
        return self.result is None

    @property
    def history_run_id(self) -> int:
        """The run whose history holds this run's checkpoints (a branch run's parent)."""
        return self.run.history_run_id

    @property
    def branch_prefix(self) -> str:
        """For a branch run, the key prefix of its branch's checkpoints."""
        return f"{self.run.branch}." if self.run.branch else ""

    def owns(self, key: str) -> bool:
        """Whether this run writes the checkpoint `key` (not a branch run's, nor,
        for a branch run, its parent's or a sibling's)."""
        return owner_prefix(key, self.parallel_keys) == self.branch_prefix

    def save_later(self, row: StepRun) -> None:
        if row not in self.dirty and self.owns(row.key):
            self.dirty.append(row)

    # -- where the run is ----------------------------------------------------------

    def _frames(self) -> list[Frame]:
        if not self.frames:
            assert self.definition is not None
            self.frames = [Frame(self.definition.steps)]
        return self.frames

    def cursor(self) -> list[Frame]:
        """A copy of where the run is (to undo a rolled-back step)."""
        return [replace(frame) for frame in self.frames]

    def restore_cursor(self, frames: list[Frame]) -> None:
        self.frames = frames

    def _top_index(self) -> int:
        top = self._frames()[0]
        return top.steps[min(top.position, len(top.steps) - 1)].index if top.steps else 0

    # -- moving along ------------------------------------------------------------

    def next_step(self, now: datetime) -> tuple[CompiledStep, StepRun] | None:
        """Skip what is done, expand nested steps; the next step to run and its row,
        or None when the run finished or parks (then `finish` says how)."""
        frames = self._frames()
        while self.finish is None:
            frame = frames[-1]
            if frame.position >= len(frame.steps):
                if len(frames) == 1:
                    self.finish = Finish(RunStatus.SUCCEEDED)
                    return None
                self._leave_frame()
                continue
            step = frame.steps[frame.position]
            key = frame.prefix + step.key
            row = self.rows.get(key)
            if self.run.branch and isinstance(step.step_type, BranchRuns) and \
                    key == split_branch_path(self.run.branch)[0]:
                self._enter_branch(step, row)
                continue
            if row is not None and self._already_done(row, step):
                self.remember_outputs(step, row.outputs)
                if step.children and row.status == StepStatus.SUCCEEDED:
                    self.remember_nested(step, key)
                frame.position += 1
                continue
            if row is not None and row.due_at and row.due_at > now:  # delay or back-off
                self.finish = Finish(RunStatus.WAITING, due_at=row.due_at)
                return None
            if row is not None and row.status == StepStatus.WAITING:  # a wait fell due
                self._wait_over(step, row, now)
                continue
            if row is None:
                row = StepRun(run_id=self.history_run_id, index=self._top_index(), key=key,
                              step_type=step.type_key)
                self.rows[key] = row
            if isinstance(step.step_type, NestedSteps):
                self._enter(step, row, now)
                continue
            return step, row
        return None

    @staticmethod
    def _already_done(row: StepRun, step: CompiledStep) -> bool:
        if row.status in DONE_STEP_STATUSES:
            return True
        return row.status == StepStatus.FAILED and step.on_error == "continue"

    def remember_outputs(self, step: CompiledStep, outputs: Any) -> None:
        self.values["steps"][step.key] = hydrate(ObjectType(step.output_fields),
                                                 dict(outputs or {}))

    def remember_nested(self, step: CompiledStep, key: str) -> None:
        """A flow step is done (or was, before this run was loaded): make the
        outputs of the nested steps the steps after it see (per its
        `visible_rounds`) visible again, as they were."""
        for prefix, steps in step.step_type.visible_rounds(step, key):
            for inner in steps:
                row = self.rows.get(prefix + inner.key)
                if row is not None and row.status == StepStatus.SUCCEEDED:
                    self.remember_outputs(inner, row.outputs)
                    if inner.children:
                        self.remember_nested(inner, prefix + inner.key)

    def advance(self, step: CompiledStep, row: StepRun) -> None:
        self.remember_outputs(step, row.outputs)
        if step.step_type.transactional:
            self.refresh_live()  # this run wrote the database: read records again
        frames = self._frames()
        frames[-1].position += 1
        if len(frames) == 1 and frames[0].position >= len(frames[0].steps):
            self.finish = Finish(RunStatus.SUCCEEDED)

    def refresh_live(self) -> None:
        """Read live records again at their next use."""
        for record in self.live:
            record.refresh()

    # -- nested steps ------------------------------------------------------------------

    def _enter(self, step: CompiledStep, row: StepRun, now: datetime) -> None:
        """Reach a flow step: plan its rounds (or rebuild the plan kept in its row)
        and start the first; settle it at once when there is nothing to run."""
        assert isinstance(step.step_type, NestedSteps)
        resuming = row.status == StepStatus.RUNNING
        if not resuming:
            if step.when is not None:
                result = step.when.explain(self.values, now=now)
                if not result.matched:
                    failure = result.first_failure()
                    self.record(row, StepStatus.SKIPPED, outputs={}, note=(
                        f"skipped: {failure.message}" if failure and failure.message
                        else "skipped"))
                    self.advance(step, row)
                    return
            row.attempt += 1
            row.started_at = now
            row.due_at = None
            row.error = ""
        memo = row.inputs if isinstance(row.inputs, dict) and row.inputs else None
        try:
            inputs = step.resolve_inputs(self.values) if memo is None else {}
            plan = step.step_type.plan(step, inputs, memo, self.values, now)
        except Exception as exc:
            self.record(row, StepStatus.FAILED, error=error_text(exc))
            self.after_failure(step, row)
            return
        row.inputs = json_value(plan.memo)
        row.outputs = json_value(plan.outputs)
        row.status = StepStatus.RUNNING
        self.save_later(row)
        if plan.count == 0:
            self._complete(step, row, plan)
            return
        self._push(step, row, plan, 0)

    def _push(self, step: CompiledStep, row: StepRun, plan: NestedPlan, index: int) -> None:
        frames = self._frames()
        parent = frames[-1]
        round_ = plan.round(index)
        shadowed = {name: self.values.get(name, _ABSENT) for name in round_.values}
        self.values.update(round_.values)
        frames.append(Frame(step.children.get(round_.place, []),
                            prefix=f"{parent.prefix}{round_.key}.", owner=step, owner_row=row,
                            plan=plan, round=index, shadowed=shadowed))

    def _pop(self) -> Frame:
        frame = self._frames().pop()
        for name, value in frame.shadowed.items():
            if value is _ABSENT:
                self.values.pop(name, None)
            else:
                self.values[name] = value
        return frame

    def _enter_branch(self, step: CompiledStep, row: StepRun | None) -> None:
        """A branch run reached its `parallel` step: run its own branch's steps (the
        step must still be waiting for its branches)."""
        _key, index = split_branch_path(self.run.branch)
        if row is None or row.status not in (StepStatus.WAITING, StepStatus.RUNNING):
            self.fail(f'the "{step.key}" step is not waiting for its branches any more')
            return
        assert isinstance(step.step_type, BranchRuns)
        self._frames().append(Frame(step.children.get(step.step_type.branch_place(index), []),
                                    prefix=self.branch_prefix, owner=step, owner_row=row,
                                    branch=True))

    def _leave_frame(self) -> None:
        """A round's steps are done: start the next round, or settle the flow step
        (a branch run's branch: the branch run ends)."""
        frame = self._pop()
        if frame.branch:
            self.finish = Finish(RunStatus.SUCCEEDED)
            return
        assert frame.owner is not None and frame.owner_row is not None
        assert frame.plan is not None
        if frame.round + 1 < frame.plan.count:
            self._push(frame.owner, frame.owner_row, frame.plan, frame.round + 1)
        else:
            self._complete(frame.owner, frame.owner_row, frame.plan)

    def _complete(self, step: CompiledStep, row: StepRun, plan: NestedPlan) -> None:
        self.record(row, StepStatus.SUCCEEDED, outputs=json_value(plan.outputs))
        self.advance(step, row)

    @property
    def nested(self) -> bool:
        """Whether the run is inside a flow step's nested steps."""
        return len(self._frames()) > 1

    # -- waits -----------------------------------------------------------------------

    def _wait_over(self, step: CompiledStep, row: StepRun, now: datetime) -> None:
        """A waiting step fell due: stop if a live record was deleted meanwhile or
        the step says the run should not go on (`after_wait`); else go on."""
        for record in self.live:
            record.refresh()
            if record.deleted:
                reason = (f"{record.describe()} was deleted while the run was waiting; "
                          "the steps after the wait were not run")
                self.record(row, StepStatus.SUCCEEDED, outputs={"resumed_at": now.isoformat()},
                            note=reason)
                self.stop_here(step, row, reason)
                return
        assert self.definition is not None
        try:
            over = step.step_type.after_wait(step, WaitContext(
                run_id=self.history_run_id, key=row.key, values=self.values,
                conditions=self.definition.condition, now=now,
                since=row.started_at)) or WaitOver()
        except Exception as exc:
            self.record(row, StepStatus.FAILED, error=error_text(exc))
            self.after_failure(step, row, retryable=is_retryable(exc))
            return
        if over.wait_until is not None:  # not over yet
            row.due_at = over.wait_until
            self.save_later(row)
            self.finish = Finish(RunStatus.WAITING, due_at=over.wait_until)
            return
        outputs = over.outputs if over.outputs is not None else {"resumed_at": now.isoformat()}
        self.record(row, StepStatus.SUCCEEDED, outputs=json_value(outputs), note=over.stop)
        if over.stop:
            self.stop_here(step, row, over.stop)
            return
        if step.children:
            self.remember_nested(step, row.key)  # a `parallel`'s branches
        self.advance(step, row)

    # -- stopping and failing -------------------------------------------------------------

    def stop_here(self, step: CompiledStep, row: StepRun, reason: str) -> None:
        """A step ended its list quietly (`filter`, a failed re-check): at the top
        level the run ends as succeeded, the remaining steps skipped; inside nested
        steps only the current round (path, item) ends."""
        self.remember_outputs(step, row.outputs)
        if self.nested:
            frame = self._frames()[-1]
            frame.position = len(frame.steps)
            return
        self.skip_rest(step, reason)
        self.finish = Finish(RunStatus.SUCCEEDED)

    def after_failure(self, step: CompiledStep, row: StepRun, *,
                      retryable: bool = True) -> None:
        """Retry with back-off, go on (`on_error: continue`) or fail: the run at the
        top level, the enclosing flow step inside nested steps. A failure that is
        not `retryable` is not tried again."""
        if not retryable and row.attempt < step.max_attempts and row.attempts_log:
            last = dict(row.attempts_log[-1])
            last["note"] = NOT_RETRIED_NOTE
            row.attempts_log = [*row.attempts_log[:-1], last]
        if retryable and row.attempt < step.max_attempts:
            delay = step.backoff_seconds * (2 ** (row.attempt - 1))
            due = timezone.now() + timedelta(seconds=delay)
            row.status = StepStatus.PENDING
            row.due_at = due
            self.save_later(row)
            self.finish = Finish(RunStatus.WAITING, due_at=due)
        elif step.on_error == "continue":
            self.advance(step, row)
        elif self.nested:
            frame = self._pop()  # the round this step is in ends; its flow step fails
            if frame.branch:  # a branch run: it fails, its `parallel` step decides
                self.fail(f'step "{row.key}" failed: {row.error}')
                return
            owner, owner_row = frame.owner, frame.owner_row
            assert owner is not None and owner_row is not None
            self.record(owner_row, StepStatus.FAILED,
                        error=f'step "{row.key}" failed: {row.error}'[:MAX_ERROR_LENGTH])
            self.after_failure(owner, owner_row)
        else:
            self.fail(f'step "{row.key}" failed: {row.error}')

    def fail(self, error: str) -> None:
        self.finish = Finish(RunStatus.FAILED, error[:MAX_ERROR_LENGTH])

    def skip_rest(self, after: CompiledStep, reason: str) -> None:
        assert self.definition is not None
        for step in self.definition.steps[after.index + 1:]:
            if step.key not in self.rows:
                row = StepRun(run_id=self.history_run_id, index=step.index, key=step.key,
                              step_type=step.type_key, status=StepStatus.SKIPPED, outputs={},
                              attempts_log=[{"note": f"not run: {reason}"}])
                self.rows[step.key] = row
                self.save_later(row)

    def record(self, row: StepRun, status: str, *, outputs: Any = None, error: str = "",
               note: str = "", duration_ms: int | None = None,
               seen: dict[str, Any] | None = None) -> None:
        """Set a step's result and add the attempt to its log (with the values of
        the references it used, `seen`, when given)."""
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
        if seen:
            entry["seen"] = seen
        row.attempts_log = [*row.attempts_log, entry]
        self.save_later(row)
