"""The work queue: the database holds the work, django-q2 tasks wake workers up.

- `wake_soon()` (after a commit that recorded an event or made a run ready)
  enqueues one `work` task; calls within a few milliseconds share one task.
- `work()` (a django-q2 task) claims pending events and ready runs in batches
  and processes them until none is left, lingering briefly for work due soon.
- `sweep()` (scheduled every minute, and when a worker process starts) does the
  same: it finds what a lost broker message, a killed worker (expired lease) or
  a due delay left behind.
- `drain()` processes everything now, in this process (`workflows_drain`).
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from workflows_app.conf import workflow_settings
from workflows_app.execution.dispatch import dispatch_pending
from workflows_app.execution.executor import FRESH_RUN_ATTRIBUTE, BatchExecutor
from workflows_app.execution.periodic import run_periodic_hooks
from workflows_app.models import Event, EventStatus, Run, RunStatus

logger = logging.getLogger("workflows_app.queue")

WAKE_DEBOUNCE_SECONDS = 0.02
WORK_TASK = "workflows_app.execution.queue.work"


def worker_id() -> str:
    """This process's name in leases (host, pid and a per-call suffix)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class _BrokerCache:
    """One django-q2 broker per process. `async_task` without a `broker` builds a
    new one on every call, which with Redis means a new connection (and a
    connection handshake in Python) per wake-up: about a millisecond of this
    process's CPU each time. Forgotten after a fork and after an error."""

    def __init__(self) -> None:
        self._broker: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._broker is None or self._pid != os.getpid():
                from django_q.brokers import get_broker

                self._broker, self._pid = get_broker(), os.getpid()
            return self._broker

    def forget(self) -> None:
        with self._lock:
            self._broker = None


_brokers = _BrokerCache()


def _enqueue_work() -> None:
    try:
        from django_q.tasks import async_task

        # The cluster's own task timeout applies (a `work` task ends by itself after
        # `max_seconds`); `timeout: None` would crash django-q2's worker process.
        async_task(WORK_TASK, task_name="workflows: work", broker=_brokers.get())
    except Exception:  # the broker is down: the sweeper will find the work
        _brokers.forget()
        logger.warning("could not enqueue a workflows task; the sweeper will pick it up",
                       exc_info=True)


class _Waker:
    """Enqueues `work` tasks from a background thread, so that a request's commit
    never waits for the broker. Requests arriving while a task is being enqueued,
    or within `WAKE_DEBOUNCE_SECONDS` after, share the next one. A wake-up still
    pending when the process exits is sent by an `atexit` hook; one lost anyway
    (a killed process) is made up for by the sweeper: the work is in the database."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def request(self) -> None:
        self._wanted.set()
        thread = self._thread
        if thread is None or self._pid != os.getpid() or not thread.is_alive():
            with self._lock:
                if self._thread is None or self._pid != os.getpid() or \
                        not self._thread.is_alive():
                    self._pid = os.getpid()
                    self._thread = threading.Thread(target=self._loop, daemon=True,
                                                    name="workflows-waker")
                    self._thread.start()

    def flush(self) -> None:
        """Send a pending wake-up now, in this thread (at exit)."""
        if self._wanted.is_set() and self._pid == os.getpid():
            self._wanted.clear()
            _enqueue_work()

    def _loop(self) -> None:
        from django.db import connections

        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                _enqueue_work()
            finally:
                connections.close_all()  # this thread's own connections (ORM broker)
            time.sleep(WAKE_DEBOUNCE_SECONDS)


_waker = _Waker()
atexit.register(_waker.flush)


def wake_soon() -> None:
    """Ask for a `work` task (enqueued from a background thread, debounced)."""
    _waker.request()


def ready_runs_query() -> Q:
    now = timezone.now()
    return (Q(status__in=[RunStatus.PENDING, RunStatus.WAITING, RunStatus.RUNNING])
            & (Q(due_at__isnull=True) | Q(due_at__lte=now))
            & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)))


def claim_runs(owner: str, limit: int) -> list[Run]:
    """Take up to `limit` ready runs (pending, due, or with an expired lease)."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=workflow_settings.LEASE_SECONDS)
    with transaction.atomic():
        candidates = Run.objects.filter(ready_runs_query()).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        found = list(candidates.values_list("pk", "started_at")[:limit])
        if not found:
            return []
        ids = [pk for pk, _ in found]
        fresh = {pk for pk, started_at in found if started_at is None}
        Run.objects.filter(Q(pk__in=ids) & ready_runs_query()).update(
            status=RunStatus.RUNNING, lease_owner=owner, lease_expires_at=lease_until,
            due_at=None, started_at=Coalesce(F("started_at"), now))
    runs = list(Run.objects.filter(pk__in=ids, lease_owner=owner)
                .select_related("version", "event").order_by("pk"))
    for run in runs:
        setattr(run, FRESH_RUN_ATTRIBUTE, run.pk in fresh)
    return runs


@dataclass
class WorkReport:
    """What one call of `work`/`drain` did."""

    runs_created: int = 0
    runs_executed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"runs_created": self.runs_created, "runs_executed": self.runs_executed,
                "statuses": dict(self.statuses)}


def process_once(owner: str, report: WorkReport, batch: int) -> bool:
    """Dispatch one batch of events and execute one batch of runs; True if any."""
    created = dispatch_pending(batch)
    report.runs_created += created
    runs = claim_runs(owner, batch)
    if runs:
        try:
            results = BatchExecutor(runs, owner).execute()
        except Exception:
            logger.exception("a batch of runs crashed the executor; their leases will "
                             "expire and they will be resumed")
            results = {run.pk: "crashed" for run in runs}
        for status in results.values():
            report.runs_executed += 1
            report.statuses[str(status)] = report.statuses.get(str(status), 0) + 1
    return bool(created or runs or _has_pending_events())


def _has_pending_events() -> bool:
    return Event.objects.filter(status=EventStatus.PENDING).exists()


def next_due_in() -> float | None:
    """Seconds until the earliest parked run is due (None when none is parked)."""
    due = (Run.objects.filter(status__in=[RunStatus.WAITING, RunStatus.PENDING],
                              due_at__isnull=False)
           .order_by("due_at").values_list("due_at", flat=True).first())
    if due is None:
        return None
    return max(0.0, (due - timezone.now()).total_seconds())


IDLE_POLL_SECONDS = 0.02


def _anything_ready() -> bool:
    return _has_pending_events() or _has_ready_runs()


def work(max_seconds: float = 30.0) -> dict[str, object]:
    """django-q2 task: process events and runs until none is ready (or time is up).

    With nothing to do it keeps watching (two cheap queries every 20 ms) for
    `WORKER_LINGER_SECONDS`, so steady traffic finds a worker awake and work
    falling due soon (a short retry back-off) is not left to the sweeper.
    """
    run_periodic_hooks(timezone.now())
    owner = worker_id()
    report = WorkReport()
    batch = max(1, int(workflow_settings.WORKER_BATCH_SIZE))
    deadline = time.monotonic() + max_seconds
    linger = float(workflow_settings.WORKER_LINGER_SECONDS)
    idle_since: float | None = None
    while time.monotonic() < deadline:
        if process_once(owner, report, batch):
            idle_since = None
            continue
        now = time.monotonic()
        idle_since = idle_since or now
        due_in = next_due_in()
        if now - idle_since >= linger and (due_in is None or due_in > linger):
            break
        pause = IDLE_POLL_SECONDS if due_in is None else min(max(due_in, 0.01),
                                                              IDLE_POLL_SECONDS * 5)
        while time.monotonic() < min(deadline, now + pause):
            time.sleep(IDLE_POLL_SECONDS)
            if _anything_ready():
                break
    if time.monotonic() >= deadline and _anything_ready():
        wake_soon()  # more to do: hand over to a fresh task
    return report.as_dict()


def _has_ready_runs() -> bool:
    return Run.objects.filter(ready_runs_query()).exists()


def sweep() -> dict[str, object]:
    """Scheduled safety net: process whatever is pending, due or abandoned."""
    return work(max_seconds=50.0)


def drain(*, max_seconds: float | None = None, wait_for_delays: bool = False,
          progress=None) -> WorkReport:  # type: ignore[no-untyped-def]
    """Process every pending event, ready run and due delay in this process.

    With `wait_for_delays`, also wait for parked runs to fall due (bounded by
    `max_seconds`). `progress(report)` is called after each batch.
    """
    run_periodic_hooks(timezone.now())
    owner = worker_id()
    report = WorkReport()
    batch = max(1, int(workflow_settings.WORKER_BATCH_SIZE))
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    while deadline is None or time.monotonic() < deadline:
        if process_once(owner, report, batch):
            if progress:
                progress(report)
            continue
        due_in = next_due_in()
        if not wait_for_delays or due_in is None:
            break
        if deadline is not None and time.monotonic() + due_in > deadline:
            break
        time.sleep(min(max(due_in, 0.05), 5.0))
    return report
