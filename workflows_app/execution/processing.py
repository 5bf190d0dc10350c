"""One call's worth of processing, shared by the work loop (django-q2 tasks) and
the drain loop (in process): take work in (dispatch pending events, claim ready
runs), let the executor run it, keep the leases alive, give back what is left.

A session holds at most `WORKER_BATCH_SIZE` runs. Runs created by its own
dispatch are leased to it as they are inserted; others are claimed in batches
too. So that slow runs spread over the worker processes, a run whose next step
has waited more than `SLOT_WAIT_SECONDS` for one of the worker's step slots
(all busy with slow steps) is given back, and another worker asked for (when
it leaves ready work behind, a session asks for another worker).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from workflows_app.conf import workflow_settings
from workflows_app.execution import leases, wakeups
from workflows_app.execution.dispatch import Holder, dispatch_pending
from workflows_app.execution.executor import Executor
from workflows_app.execution.wakeups import wake_soon
from workflows_app.models import Event, EventStatus, Run, RunStatus

#: A held run whose next step waits longer than this for a free step slot is
#: given back for another worker to take (work loop only).
SLOT_WAIT_SECONDS = 1.0


@dataclass
class WorkReport:
    """What one call of `work`/`drain` did."""

    runs_created: int = 0
    runs_executed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, run_id: int, status: str) -> None:
        self.runs_executed += 1
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {"runs_created": self.runs_created, "runs_executed": self.runs_executed,
                "statuses": dict(self.statuses)}


class Session:
    """An executor with a heartbeat and a feed of work (see the module docstring)."""

    def __init__(self, report: WorkReport, *, step_timeout: float | None = None,
                 on_tick: Callable[[], None] | None = None, call_for_help: bool = True) -> None:
        self.report = report
        self.call_for_help = call_for_help
        self.owner = leases.worker_id()
        self.batch = max(1, int(workflow_settings.WORKER_BATCH_SIZE))
        self.executor = Executor(self.owner, step_timeout=step_timeout, on_result=report.count)
        self.heartbeat = leases.Heartbeat(self.owner, self.executor.held_ids,
                                          on_tick=on_tick).start()
        wakeups.sessions.started()

    @property
    def idle(self) -> bool:
        return self.executor.holding == 0

    def feed(self) -> bool:
        """Take in new work if there is room; whether any was found."""
        room = self.batch - self.executor.holding
        slots = self.executor.free_slots()
        if room < max(1, self.batch // 2) or slots <= 0:
            return False
        holder = Holder(self.owner, room)
        created = dispatch_pending(self.batch, holder=holder)
        self.report.runs_created += created
        self.executor.hold(holder.runs)
        wanted = room - len(holder.runs)
        claimed = (leases.claim_runs(self.owner, wanted, spread=self.call_for_help)
                   if wanted > 0 else [])
        self.executor.hold(claimed)
        if self.call_for_help and (
                (claimed and len(claimed) == wanted) or created > len(holder.runs)):
            wake_soon()  # ready work left behind: another worker may take it
        return bool(created or holder.runs or claimed)

    def step(self, *, start_steps: bool = True) -> bool:
        progressed = self.executor.iterate(start_steps=start_steps)
        if self.call_for_help:
            starved = self.executor.starved(SLOT_WAIT_SECONDS)
            if starved:
                leases.release(self.owner, self.executor.release(starved))
                wake_soon()  # another worker may have free slots
        return progressed

    def wait(self, timeout: float) -> None:
        self.executor.wait(timeout)

    def release_idle_runs(self) -> None:
        """Give back every held run that has no step in flight."""
        leases.release(self.owner, self.executor.release_all())

    def close(self) -> None:
        """Give back what is still held (nothing in flight by now) and stop."""
        try:
            self.release_idle_runs()
        finally:
            try:
                self.heartbeat.stop()
                self.executor.close()
            finally:
                self._after_session()

    @staticmethod
    def _after_session() -> None:
        """Events its steps recorded (no wake-up asked for them) but left behind:
        ask for a worker now."""
        if not wakeups.sessions.ended():
            return
        try:
            left = pending_events()
        except Exception:
            left = True
        if left:
            wake_soon()


def pending_events() -> bool:
    return Event.objects.filter(status=EventStatus.PENDING).exists()


def ready_runs() -> bool:
    return Run.objects.filter(leases.ready_runs_query()).exists()


def anything_ready() -> bool:
    return pending_events() or ready_runs()


def next_due_in() -> float | None:
    """Seconds until the earliest parked run is due (None when none is parked)."""
    due = (Run.objects.filter(status__in=[RunStatus.WAITING, RunStatus.PENDING],
                              due_at__isnull=False)
           .order_by("due_at").values_list("due_at", flat=True).first())
    if due is None:
        return None
    return max(0.0, (due - timezone.now()).total_seconds())


def elapsed_since(started: float) -> float:
    return time.monotonic() - started
