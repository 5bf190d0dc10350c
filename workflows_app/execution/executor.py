"""The executor: runs the steps of the runs a worker holds, checkpointing each
result, with slow steps running concurrently.

Guarantees:

- **Checkpoints.** A step's result (status, redacted inputs, outputs, error,
  attempt, start, duration) is saved before the next step of its run that has
  an effect starts; a resumed run skips every step that succeeded, was skipped,
  or failed with `on_error: continue`.
- **Exactly once for database steps.** A `transactional` step (`record.update`)
  does its work, saves its result and checks the lease in one transaction: if
  the run was cancelled or taken over meanwhile, the work is rolled back.
  Several runs' database steps share one transaction; if one fails, they are
  rolled back and each runs again alone.
- **At least once, with a stable key, for other effects.** An `io` step
  (`http.request`, `email.send`, ...) is marked running in a committed write
  that also checks the run is still held and not cancelled, so a cancelled run
  makes no further call; it gets the idempotency key `<run id>:<step key>`
  (sent on, e.g. as `Idempotency-Key`), the same on every attempt.
- **A slow step slows only its run.** `io` steps run in a pool of
  `WORKER_CONCURRENCY` threads; the other runs keep moving. Each attempt has a
  budget (`STEP_TIMEOUT_SECONDS`, passed to the step as `context.deadline`);
  one still running after it counts as failed. The worker's leases are renewed
  by a heartbeat thread, not by progress.
- **A lost database connection repeats nothing finished.** Results are written
  as they come back, with writes that can be repeated, and a write that fails
  on a dropped connection is written again on a new one.
- **Retries, parking, loops.** A failing step is retried with exponential
  back-off (`retry`), the run parked as `waiting` in between; when attempts run
  out the run fails (or goes on, with `on_error: continue`). `delay` parks the
  run until its due time; `filter` ends it quietly. Changes the steps make carry
  the run's causal chain (loop prevention).
- **A run whose worker keeps dying fails.** A run taken over from stopped
  workers more than `MAX_TAKEOVERS` times fails, naming the step it was on.
- Every run that reaches `succeeded` or `failed` is announced with the
  `runs_finished` signal, every change with `runs_changed`, inside the
  transaction that wrote it.

How a step runs is looked up by its mode (`step_modes`); the loop that feeds
the executor is `work_loop` (django-q2 tasks) or `drain` (in process).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from engine import InvalidDefinition
from engine.definition import CompiledStep
from workflows_app import net
from workflows_app.conf import workflow_settings
from workflows_app.execution import checkpoints
from workflows_app.execution.context import Cause, StepContext, caused_by
from workflows_app.execution.definitions import compiled_definition
from workflows_app.execution.flow import BranchRuns, StepFlow, StopRun, WaitUntil, is_retryable
from workflows_app.execution.leases import FRESH_RUN_ATTRIBUTE
from workflows_app.execution.live_records import load_live, make_live, values_seen
from workflows_app.execution.recording import deferred_inserts
from workflows_app.execution.redaction import redact_inputs, redact_text
from workflows_app.execution.run_state import FINAL_RUN_STATUSES, Finish, RunState, error_text
from workflows_app.execution.signals import runs_changed, runs_finished
from workflows_app.execution.snapshot import json_value
from workflows_app.execution.step_modes import INLINE, IO, TRANSACTIONAL, mode_of
from workflows_app.execution.values import event_values
from workflows_app.models import Run, RunStatus, StepRun, StepStatus

logger = logging.getLogger("workflows_app.executor")

#: After the first io step of a wave comes back, how long to wait for the others
#: before saving what came back (results are saved together).
RESULT_WINDOW_SECONDS = 0.01
#: An io step this long past its budget is given up on (its thread is left to end).
OVERDUE_GRACE_SECONDS = 2.0


@dataclass
class Attempt:
    """One attempt of one step of one held run."""

    state: RunState
    step: CompiledStep
    row: StepRun
    inputs: dict[str, Any] = field(default_factory=dict)
    secrets: list[Any] = field(default_factory=list)
    context: StepContext | None = None
    #: The values of the live and snapshot references the step used (run history).
    seen: dict[str, Any] | None = None
    budget: float = 60.0
    started: float = 0.0  # monotonic


@dataclass
class Outcome:
    """What a step's `run` came back with."""

    outputs: Any = None
    flow: StepFlow | None = None
    error: BaseException | None = None
    duration_ms: int = 0


class _LeaseLost(Exception):
    def __init__(self, run_ids: set[int]) -> None:
        super().__init__(f"runs no longer held: {sorted(run_ids)}")
        self.run_ids = run_ids


def call_step(attempt: Attempt) -> Outcome:
    """Run the step of `attempt` (in whichever thread calls this)."""
    assert attempt.context is not None
    started = time.monotonic()
    state = attempt.state
    try:
        with caused_by(Cause(state.history_run_id, tuple(state.run.chain))):
            outputs = attempt.step.step_type.run(attempt.inputs, attempt.context)
        return Outcome(outputs=outputs, duration_ms=_elapsed_ms(started))
    except StepFlow as flow:
        return Outcome(flow=flow, duration_ms=_elapsed_ms(started))
    except Exception as exc:
        return Outcome(error=exc, duration_ms=_elapsed_ms(started))


def _call_in_pool(attempt: Attempt) -> Outcome:
    try:
        return call_step(attempt)
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()  # a step that used the database in this thread


class Executor:
    """Runs the steps of the runs it holds (claimed by `owner`), one `iterate()`
    at a time, until each finishes, parks or is given back."""

    def __init__(self, owner: str, *, concurrency: int | None = None,
                 step_timeout: float | None = None,
                 on_result: Callable[[int, str], None] | None = None) -> None:
        self.owner = owner
        self.on_result = on_result
        self.concurrency = max(1, int(concurrency or workflow_settings.WORKER_CONCURRENCY))
        self.step_timeout = float(step_timeout or workflow_settings.STEP_TIMEOUT_SECONDS)
        self.max_takeovers = int(workflow_settings.MAX_TAKEOVERS)
        self.states: dict[int, RunState] = {}
        self._in_flight: dict[Future[Outcome], Attempt] = {}
        self._abandoned: set[Future[Outcome]] = set()
        self._first_back: float | None = None  # monotonic, see `_wave_done`
        self._held_lock = threading.Lock()
        self._held: list[int] = []
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency,
                                        thread_name_prefix="workflows-step")
        self._transactional: list[Attempt] = []
        self._io: list[Attempt] = []
        self._modes: dict[str, Callable[[Attempt], bool]] = {
            INLINE: self._run_inline, TRANSACTIONAL: self._queue_transactional,
            IO: self._queue_io}
        # Whether a step of the mode may be taken now: io steps need a free slot
        # (and are marked running only then, so the cancel check is current).
        self._room: dict[str, Callable[[], bool]] = {
            INLINE: _always, TRANSACTIONAL: _always,
            IO: lambda: self.free_slots() - len(self._io) > 0}

    # -- what the loops ask --------------------------------------------------------

    def held_ids(self) -> list[int]:
        """The runs held (for the heartbeat thread)."""
        with self._held_lock:
            return list(self._held)

    def _update_held(self) -> None:
        with self._held_lock:
            self._held = list(self.states)

    @property
    def holding(self) -> int:
        return len(self.states)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def free_slots(self) -> int:
        self._abandoned = {future for future in self._abandoned if not future.done()}
        return self.concurrency - len(self._in_flight) - len(self._abandoned)

    def hold(self, runs: Iterable[Run]) -> None:
        """Take claimed runs in: compile their definitions, load their step rows."""
        states = [RunState(run) for run in runs if run.pk not in self.states]
        if not states:
            return
        # A branch run walks its parent's checkpoints to its branch, even the first time.
        resumed = {state.history_run_id for state in states
                   if not getattr(state.run, FRESH_RUN_ATTRIBUTE, False) or state.run.parent_id}
        rows_by_run: dict[int, dict[str, StepRun]] = {}
        if resumed:
            for row in StepRun.objects.filter(run_id__in=resumed):
                rows_by_run.setdefault(row.run_id, {})[row.key] = row
        shared = {state.history_run_id for state in states if state.run.parent_id}
        for state in states:
            self.states[state.pk] = state
            rows = rows_by_run.get(state.history_run_id, {})
            # Runs of one history held together each get their own row objects.
            state.rows = ({key: copy.copy(row) for key, row in rows.items()}
                          if state.history_run_id in shared else rows)
            try:
                state.definition = compiled_definition(state.run.version)
            except InvalidDefinition as exc:
                state.fail(f"version {state.run.version.number} is no longer valid: {exc}")
                continue
            state.parallel_keys = frozenset(
                step.key for step in state.definition.all_steps()
                if isinstance(step.step_type, BranchRuns))
            state.values = event_values(state.run.event, state.definition.scope)
            state.values["steps"] = {}
            state.live = make_live(state.values, state.definition.scope)
            self._note_interruptions(state)
        self._update_held()

    def _note_interruptions(self, state: RunState) -> None:
        """A step left `running` was interrupted (its worker stopped). Note it in the
        step's log; past `MAX_TAKEOVERS` takeovers, fail the run with the reason."""
        interrupted = [row for row in state.rows.values()
                       if row.status == StepStatus.RUNNING and state.owns(row.key)]
        for row in interrupted:
            row.attempts_log = [*row.attempts_log, {
                "attempt": row.attempt, "status": "interrupted",
                "at": timezone.now().isoformat(),
                "note": "the worker running this attempt stopped before it finished"}]
            state.save_later(row)
        if state.run.takeovers <= self.max_takeovers:
            return
        assert state.definition is not None
        step_key = interrupted[0].key if interrupted else None
        if step_key is None:
            found = state.next_step(timezone.now())
            state.finish = None
            step_key = found[0].key if found else state.definition.steps[-1].key
        reason = (f'the worker running step "{step_key}" stopped {state.run.takeovers} times '
                  f"while running it (a crash, a kill, running out of memory or time); "
                  f"the limit is {self.max_takeovers} (MAX_TAKEOVERS)")
        row = state.rows.get(step_key)
        if row is not None:
            state.record(row, StepStatus.FAILED, error=reason)
        state.fail(f'step "{step_key}" failed: {reason}')

    def iterate(self, *, start_steps: bool = True) -> bool:
        """Collect finished steps, move every held run as far as it goes without
        waiting, save, and start the io steps that became due. With
        `start_steps=False` (stopping) no new step starts. Returns whether
        anything happened."""
        progressed = self._collect()
        if start_steps:
            now = timezone.now()
            advancing = [state for state in self.states.values()
                         if state.finish is None and not state.in_flight and state.active]
            # The live records their next steps may use: one query per model.
            load_live(record for state in advancing for record in state.live)
            for state in advancing:
                progressed = self._advance(state, now) or progressed
        io, self._io = self._io, []
        transactional, self._transactional = self._transactional, []
        # The rows of runs about to run a database step are saved with it.
        saved_later = {attempt.state.pk for attempt in transactional}
        if self._dirty(saved_later) or io:
            self._write(io, skip=saved_later)
            progressed = True
        if transactional:
            self._run_transactional(transactional)
            progressed = True
        return progressed

    def wait(self, timeout: float) -> None:
        """Block until an io step comes back (or `timeout`); then give the others
        in flight up to `RESULT_WINDOW_SECONDS` to come back too, so that their
        results are saved together (one commit for many fast steps, not one each)."""
        if self._in_flight:
            done, pending = wait(list(self._in_flight), timeout=timeout,
                                 return_when=FIRST_COMPLETED)
            if done and pending:
                wait(pending, timeout=RESULT_WINDOW_SECONDS)
        elif timeout > 0:
            time.sleep(min(timeout, 0.01))

    def release_all(self) -> list[int]:
        """Stop holding every run that has no step in flight (their leases are given
        back by the caller); returns their ids."""
        return self.release([pk for pk, state in self.states.items() if not state.in_flight])

    def starved(self, seconds: float) -> list[int]:
        """The runs whose next step has waited more than `seconds` for a free step
        slot (all slots busy with slow steps): better given to another worker."""
        now = time.monotonic()
        return [pk for pk, state in self.states.items()
                if state.slot_wait_since is not None and not state.in_flight
                and state.finish is None and now - state.slot_wait_since > seconds]

    def release(self, run_ids: list[int]) -> list[int]:
        """Stop holding `run_ids` (none may have a step in flight), after saving what
        was recorded for them; the caller gives their leases back."""
        if not run_ids:
            return []
        if self._dirty():
            self._write([])  # results recorded since the last write
        released = [pk for pk in run_ids
                    if pk in self.states and not self.states[pk].in_flight]
        for pk in released:
            del self.states[pk]
        self._update_held()
        return released

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        net.close_kept_connections()  # kept for this session's steps only

    # -- moving a run along --------------------------------------------------------

    def _advance(self, state: RunState, now: Any) -> bool:
        moved = False
        while state.finish is None:
            found = state.next_step(now)
            if found is None:
                return True
            step, row = found
            mode = mode_of(step.step_type)
            if not self._room[mode]():
                if state.slot_wait_since is None:
                    state.slot_wait_since = time.monotonic()
                break  # waits for a free slot
            state.slot_wait_since = None
            attempt = self._prepare(state, step, row)
            moved = True
            if attempt is None:
                continue  # skipped by `when`, or its inputs failed
            if not self._modes[mode](attempt):
                break  # queued for this iteration's transaction or pool
        return moved

    def _prepare(self, state: RunState, step: CompiledStep, row: StepRun) -> Attempt | None:
        """`when` and inputs; None when the step is settled without running."""
        now = timezone.now()
        if step.when is not None:
            result = step.when.explain(state.values, now=now)
            if not result.matched:
                failure = result.first_failure()
                state.record(row, StepStatus.SKIPPED, outputs={}, note=(
                    f"skipped: {failure.message}" if failure and failure.message else "skipped"))
                state.advance(step, row)
                return None
        row.attempt += 1
        row.started_at = now
        row.due_at = None
        row.error = ""
        try:
            inputs = step.resolve_inputs(state.values)
        except Exception as exc:  # a value that no longer fits its type
            state.record(row, StepStatus.FAILED,
                         error=f"could not resolve the inputs: {error_text(exc)}")
            state.after_failure(step, row, retryable=False)  # the same values fail again
            return None
        shown, secrets = redact_inputs(step.step_type, inputs)
        row.inputs = json_value(shown)
        budget = self.step_timeout
        context = StepContext(run_id=state.history_run_id, workflow_id=state.run.workflow_id,
                              step_key=row.key, attempt=row.attempt, now=now,
                              values=state.values, chain=tuple(state.run.chain),
                              schema=step.schema, deadline=time.monotonic() + budget)
        return Attempt(state, step, row, inputs=inputs, secrets=secrets, context=context,
                       budget=budget, seen=values_seen(step, state.values, state.definition,
                                                        secrets))

    def _run_inline(self, attempt: Attempt) -> bool:
        self._apply(attempt, call_step(attempt))
        return True

    def _queue_transactional(self, attempt: Attempt) -> bool:
        self._transactional.append(attempt)
        return False

    def _queue_io(self, attempt: Attempt) -> bool:
        attempt.row.status = StepStatus.RUNNING
        attempt.state.save_later(attempt.row)
        self._io.append(attempt)
        return False

    def _apply(self, attempt: Attempt, outcome: Outcome) -> None:
        """Record what a step came back with and move its run on."""
        state, step, row = attempt.state, attempt.step, attempt.row
        notes = "; ".join(attempt.context.notes) if attempt.context else ""
        if isinstance(outcome.flow, WaitUntil):
            row.status = StepStatus.WAITING
            row.due_at = outcome.flow.due
            row.duration_ms = outcome.duration_ms
            state.save_later(row)
            state.finish = Finish(RunStatus.WAITING, due_at=outcome.flow.due)
        elif isinstance(outcome.flow, StopRun):
            state.record(row, StepStatus.SUCCEEDED, outputs=json_value(outcome.flow.outputs),
                         note=outcome.flow.reason, duration_ms=outcome.duration_ms,
                         seen=attempt.seen)
            state.stop_here(step, row, outcome.flow.reason)
        elif outcome.error is not None or outcome.flow is not None:
            message = redact_text(error_text(outcome.error or outcome.flow), attempt.secrets)
            logger.info("run %s step %s attempt %s failed: %s", state.pk, step.key,
                        row.attempt, message)
            state.record(row, StepStatus.FAILED, error=message,
                         duration_ms=outcome.duration_ms, seen=attempt.seen)
            state.after_failure(step, row, retryable=is_retryable(outcome.error))
        else:
            state.record(row, StepStatus.SUCCEEDED, outputs=json_value(outcome.outputs or {}),
                         note=notes, duration_ms=outcome.duration_ms, seen=attempt.seen)
            state.advance(step, row)

    # -- io steps in the pool ----------------------------------------------------------

    def _collect(self) -> bool:
        """Apply the results of io steps that came back; give up on overdue ones."""
        if not self._in_flight:
            return False
        progressed = False
        now = time.monotonic()
        if not self._wave_done(now):
            return False
        for future, attempt in list(self._in_flight.items()):
            if future.done():
                del self._in_flight[future]
                attempt.state.in_flight = False
                self._apply(attempt, future.result())
                progressed = True
            elif now > attempt.started + attempt.budget + OVERDUE_GRACE_SECONDS:
                del self._in_flight[future]
                self._abandoned.add(future)
                attempt.state.in_flight = False
                self._apply(attempt, Outcome(error=TimeoutError(
                    f"the step did not finish within its time budget of "
                    f"{attempt.budget:g} s (STEP_TIMEOUT_SECONDS)"),
                    duration_ms=_elapsed_ms(attempt.started)))
                progressed = True
        return progressed

    def _wave_done(self, now: float) -> bool:
        """Whether to take in the io steps that came back now: when all are back, or
        `RESULT_WINDOW_SECONDS` after the first came back (then their results are
        saved together, not one commit each as they trickle in)."""
        done = sum(1 for future in self._in_flight if future.done())
        if done == 0:
            return any(now > attempt.started + attempt.budget + OVERDUE_GRACE_SECONDS
                       for attempt in self._in_flight.values())
        if done == len(self._in_flight):
            self._first_back = None
            return True
        if self._first_back is None:
            self._first_back = now
        if now - self._first_back < RESULT_WINDOW_SECONDS:
            return False
        self._first_back = None
        return True

    def _start(self, attempts: list[Attempt]) -> None:
        for attempt in attempts:
            attempt.started = time.monotonic()
            assert attempt.context is not None
            attempt.context.deadline = attempt.started + attempt.budget
            attempt.state.in_flight = True
            self._in_flight[self._pool.submit(_call_in_pool, attempt)] = attempt

    # -- writing ---------------------------------------------------------------------

    def _dirty(self, skip: set[int] | frozenset[int] = frozenset()) -> bool:
        return any((state.dirty and state.pk not in skip)
                   or (state.finish is not None and state.active)
                   for state in self.states.values())

    def _write(self, io: list[Attempt], skip: set[int] | frozenset[int] = frozenset()) -> None:
        """Save every changed row and finished or parked run, and mark `io` steps
        running for the runs still held (not cancelled), in one transaction
        (written again on a new connection if the old one dropped); then start
        those steps."""
        finishing = [state for state in self.states.values()
                     if state.finish is not None and state.active and not state.in_flight]
        touched = [state for state in self.states.values()
                   if state.dirty and state.pk not in skip]

        def write() -> tuple[set[int], set[int]]:
            with transaction.atomic():
                io_ids = {attempt.state.pk for attempt in io}
                not_held = io_ids - checkpoints.still_held(self.owner, io_ids)
                for attempt in io:
                    if attempt.state.pk in not_held:
                        _not_started(attempt.row)
                checkpoints.save_rows([row for state in touched for row in state.dirty])
                lost = checkpoints.finish_runs(self.owner, finishing)
                changed = sorted({state.history_run_id for state in (*touched, *finishing)})
                if changed:
                    runs_changed.send(Executor, run_ids=changed)
                self._announce_finished([state for state in finishing
                                         if state.pk not in lost])
                return not_held, lost

        not_held, lost = checkpoints.retrying(write)
        for state in touched:
            state.dirty.clear()
        for state in finishing:
            if state.pk not in lost:
                assert state.finish is not None
                self._drop(state, state.finish.status)
        self._drop_lost(not_held | lost)
        self._start([attempt for attempt in io if attempt.state.pk not in not_held | lost])

    @staticmethod
    def _announce_finished(states: list[RunState]) -> None:
        runs = []
        for state in states:
            assert state.finish is not None
            if state.finish.status in FINAL_RUN_STATUSES:
                state.run.status = state.finish.status
                state.run.error = state.finish.error
                runs.append(state.run)
        if runs:
            runs_finished.send(Executor, runs=runs)

    def _drop(self, state: RunState, status: str) -> None:
        state.result = status
        state.run.status = status
        self.states.pop(state.pk, None)
        if self.on_result is not None:
            self.on_result(state.pk, status)
        self._update_held()

    def _drop_lost(self, run_ids: set[int]) -> None:
        """Runs cancelled or taken over meanwhile: stop with the stored status."""
        if not run_ids:
            return
        stored = checkpoints.stored_statuses(run_ids)
        for pk in run_ids:
            state = self.states.get(pk)
            if state is not None and not state.in_flight:
                self._drop(state, stored.get(pk, RunStatus.CANCELLED))

    # -- database steps ----------------------------------------------------------------

    def _run_transactional(self, attempts: list[Attempt]) -> None:
        """Run the database steps of this iteration in one transaction with their
        results and the lease check; if anything fails, roll back and run each
        alone (where a failure is recorded as usual)."""
        if len(attempts) > 1:
            saved = [_Snapshot(attempt) for attempt in attempts]
            try:
                with transaction.atomic():
                    ids = {attempt.state.pk for attempt in attempts}
                    lost = ids - checkpoints.still_held(self.owner, ids)
                    if lost:
                        raise _LeaseLost(lost)
                    with contextlib.ExitStack() as stack:
                        # Entered first, left last: the events of saves a step type
                        # writes when its batch ends are inserted with the others.
                        stack.enter_context(deferred_inserts())
                        _prefetch(attempts, stack)
                        for attempt in attempts:
                            outcome = call_step(attempt)
                            if outcome.error is not None or outcome.flow is not None:
                                raise RuntimeError("a step of the batch did not succeed")
                            self._apply(attempt, outcome)
                    self._save_transactional(attempts)
            except Exception:
                logger.debug("a batch of %s database steps was rolled back; running them "
                             "one by one", len(attempts), exc_info=True)
                for snapshot in saved:
                    snapshot.restore()
                if not connection.is_usable():
                    connection.close()
            else:
                for attempt in attempts:
                    attempt.state.dirty.clear()
                return
        for attempt in attempts:
            self._run_transactional_alone(attempt)

    def _run_transactional_alone(self, attempt: Attempt) -> None:
        state = attempt.state
        if state.pk not in self.states:
            return
        snapshot = _Snapshot(attempt)
        try:
            with transaction.atomic():
                if not checkpoints.still_held(self.owner, [state.pk]):
                    raise _LeaseLost({state.pk})
                outcome = call_step(attempt)
                if outcome.error is not None:
                    raise _StepFailed(outcome)
                self._apply(attempt, outcome)
                self._save_transactional([attempt])
        except _LeaseLost as lost:
            snapshot.restore()
            self._drop_lost(lost.run_ids)
            return
        except _StepFailed as failed:
            snapshot.restore()
            self._apply(attempt, failed.outcome)  # recorded with the next write
            return
        except checkpoints.CONNECTION_ERRORS as exc:
            snapshot.restore()
            if not connection.is_usable():
                connection.close()  # tried again at the next iteration
                return
            self._apply(attempt, Outcome(error=exc))
            return
        state.dirty.clear()

    def _save_transactional(self, attempts: list[Attempt]) -> None:
        states = {attempt.state.pk: attempt.state for attempt in attempts}.values()
        checkpoints.save_rows([row for state in states for row in state.dirty])
        runs_changed.send(Executor, run_ids=sorted({state.history_run_id for state in states}))


def _prefetch(attempts: list[Attempt], stack: contextlib.ExitStack) -> None:
    """Let each step type load what its steps of the batch need at once."""
    by_type: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
    for attempt in attempts:
        step_type = attempt.step.step_type
        by_type.setdefault(id(step_type), (step_type, []))[1].append(attempt.inputs)
    for step_type, batch in by_type.values():
        manager = step_type.prefetch(batch)
        if manager is not None:
            stack.enter_context(manager)


class _StepFailed(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__("step failed")
        self.outcome = outcome


class _Snapshot:
    """What a database step may change in memory, to undo it when its transaction
    rolls back."""

    def __init__(self, attempt: Attempt) -> None:
        self.attempt = attempt
        state = attempt.state
        self.row_fields = {name: getattr(attempt.row, name) for name in checkpoints.ROW_FIELDS}
        self.cursor = state.cursor()
        self.values = dict(state.values)
        self.finish = state.finish
        self.dirty = list(state.dirty)
        self.rows = dict(state.rows)
        self.outputs = dict(state.values.get("steps", {}))
        self.notes = list(attempt.context.notes) if attempt.context else []

    def restore(self) -> None:
        state = self.attempt.state
        for name, value in self.row_fields.items():
            setattr(self.attempt.row, name, value)
        state.restore_cursor(self.cursor)
        state.values.clear()
        state.values.update(self.values)
        state.finish = self.finish
        state.dirty[:] = self.dirty
        state.rows = self.rows
        state.values["steps"] = self.outputs
        if self.attempt.context is not None:
            self.attempt.context.notes[:] = self.notes


def _always() -> bool:
    return True


def _not_started(row: StepRun) -> None:
    if row.status != StepStatus.RUNNING:
        return  # already noted (the write is being repeated)
    row.status = StepStatus.SKIPPED
    row.attempt = max(0, row.attempt - 1)
    row.attempts_log = [*row.attempts_log, {
        "note": "not run: the run was cancelled or taken over before this step started",
        "at": timezone.now().isoformat()}]


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))
