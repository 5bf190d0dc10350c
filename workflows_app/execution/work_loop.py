"""The work loop: the django-q2 task that processes events and runs.

`work()` is what a wake-up runs (and `sweep()`, the minutely schedule and the
start of every worker process). It is a polite neighbour on a queue it may share
with the host project's own tasks:

- it clears its cluster's pending wake-up flag first (`wakeups`), so whatever
  becomes ready while it runs asks for a new task;
- it takes new work for at most `WORK_SLICE_SECONDS`, and stops taking work
  sooner when a task (the host's) waits for this worker or the cluster is
  stopping; then it lets the steps in flight finish (each within its time
  budget), saves them, gives the other runs back and, when work remains,
  enqueues its successor behind the waiting tasks;
- it never waits for work: when the next parked run falls due soon, it sets a
  timer in the worker process that enqueues a task then (`wakeups.wake_at`);
- its whole duration stays under django-q2's task `timeout` (the step budget is
  cut to fit), and the leases of the runs it holds are renewed by a heartbeat
  thread, so neither django-q2 nor another worker takes its work away.

`run_periodic_hooks(now)` (time-based triggers) runs at the start of every task.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.utils import timezone

from workflows_app.conf import workflow_settings
from workflows_app.execution import shutdown
from workflows_app.execution.periodic import run_periodic_hooks
from workflows_app.execution.processing import (
    Session,
    WorkReport,
    anything_ready,
    next_due_in,
)
from workflows_app.execution.wakeups import (
    brokers,
    clear_pending_flag,
    engine_cluster,
    engine_tasks_waiting,
    wake_at,
    wake_soon,
)

logger = logging.getLogger("workflows_app.queue")

#: Kept between the end of a task and django-q2's task timeout.
TIMEOUT_MARGIN_SECONDS = 5.0
#: Work due within this many seconds gets a timed wake-up; later work is left to
#: the minutely sweeper.
TIMER_HORIZON_SECONDS = 65.0
IDLE_WAIT_SECONDS = 0.05


def _task_timeout() -> float | None:
    """django-q2's task timeout of the cluster running this task (None: none)."""
    try:
        from django_q.conf import Conf

        return float(Conf.TIMEOUT) if Conf.TIMEOUT else None
    except Exception:  # pragma: no cover - django-q2 is a dependency
        return None


def time_limits(max_seconds: float | None = None) -> tuple[float, float]:
    """(how long to take new work, the budget of one step) for one task, such
    that taking work plus finishing the last step stays under the task timeout."""
    slice_seconds = float(workflow_settings.WORK_SLICE_SECONDS)
    if max_seconds is not None:
        slice_seconds = min(slice_seconds, max_seconds)
    step_budget = float(workflow_settings.STEP_TIMEOUT_SECONDS)
    timeout = _task_timeout()
    if timeout is not None:
        room = timeout - TIMEOUT_MARGIN_SECONDS
        slice_seconds = max(0.5, min(slice_seconds, room / 2))
        step_budget = max(1.0, min(step_budget, room - slice_seconds))
    return slice_seconds, step_budget


class _Politeness:
    """Read twice a second by the heartbeat: should this task hand its worker back?"""

    def __init__(self) -> None:
        self.yield_now = False
        self.cluster_stopping = False

    def tick(self) -> None:
        if shutdown.cluster_stopping():
            self.cluster_stopping = True
        if not self.yield_now and self._tasks_waiting():
            self.yield_now = True

    @staticmethod
    def _tasks_waiting() -> bool:
        waiting = shutdown.local_tasks_waiting()
        try:
            waiting += int(brokers.get(engine_cluster()).queue_size() or 0)
        except Exception:
            return False
        if waiting == 0:
            return False
        # The engine's own waiting tasks (its successor, a parallel step's branches)
        # are no reason to hand the worker over.
        return waiting > engine_tasks_waiting()


def work(max_seconds: float | None = None) -> dict[str, object]:
    """django-q2 task: process events and runs (see the module docstring)."""
    clear_pending_flag()
    run_periodic_hooks(timezone.now())
    slice_seconds, step_budget = time_limits(max_seconds)
    report = WorkReport()
    polite = _Politeness()
    session = Session(report, step_timeout=step_budget, on_tick=polite.tick)
    started = time.monotonic()
    shutdown.state.session_active = True
    stopped_early = False
    try:
        while True:
            stopping = (shutdown.stop_requested() or polite.cluster_stopping
                        or polite.yield_now or time.monotonic() - started >= slice_seconds)
            if stopping:
                stopped_early = True
                session.release_idle_runs()
            found = False if stopping else session.feed()
            progressed = session.step(start_steps=not stopping)
            if stopping:
                session.release_idle_runs()
            if session.idle:
                if stopping or not (found or progressed):
                    break
                continue  # what just finished may have recorded events (run.failed)
            if not progressed and not found:
                session.wait(IDLE_WAIT_SECONDS)
    finally:
        try:
            session.close()
        finally:
            shutdown.state.session_active = False
    _after(report, handed_over=stopped_early)
    shutdown.exit_if_stopped_by_signal()
    return report.as_dict()


def _after(report: WorkReport, *, handed_over: bool) -> None:
    """Enqueue a successor when work remains; a timer when work falls due soon."""
    try:
        if handed_over and not shutdown.stop_requested() and anything_ready():
            wake_soon()
        due_in = next_due_in()
        if due_in is not None and due_in <= TIMER_HORIZON_SECONDS and \
                not shutdown.stop_requested():
            wake_at(timezone.now() + timedelta(seconds=due_in))
    except Exception:
        logger.warning("could not plan the next wake-up; the sweeper will", exc_info=True)


def sweep() -> dict[str, object]:
    """Scheduled safety net (every minute, and when a worker process starts):
    process whatever is pending, due or abandoned."""
    return work()
