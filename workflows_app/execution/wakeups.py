"""Wake-ups: django-q2 tasks that get a worker to look at the database.

The database holds the work; a wake-up only says "look now". They are kept few:

- **Coalesced.** At most one engine task waits in a cluster's queue, however many
  saves ask for one. A `PendingWakeUp` row per cluster holds the time the
  waiting task was enqueued; a request finds it set and does nothing. The task
  clears it as it starts (before it looks for work), so a change committed after
  that asks for — and gets — a new task. A wake-up lost with its message (a
  broker restart) blocks others for at most `STALE_AFTER` seconds; the sweeper
  schedule covers the gap.
- **Off the request.** `wake_soon()` hands the request to a background thread
  (the commit never waits for the database flag or the broker); requests
  within `DEBOUNCE_SECONDS` share one look at the flag. A request still pending
  at exit is sent by an `atexit` hook.
- **Timed, not lingering.** A worker that finds work due soon (a short retry
  back-off, a delay) does not keep its task running until then: `wake_at(when)`
  sets a timer in the worker process, which asks for a task at that time.
- **Own queue, optionally.** `WORKFLOWS["TASK_CLUSTER"]` names a django-q2
  cluster (a queue of its own, served by `Q_CLUSTER_NAME=<name> manage.py
  qcluster`); by default the engine shares the host's default cluster.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connections
from django.db.models import F, Q
from django.utils import timezone

from workflows_app.conf import workflow_settings
from workflows_app.models import PendingWakeUp

logger = logging.getLogger("workflows_app.queue")

WORK_TASK = "workflows_app.execution.queue.work"
TASK_NAME = "workflows: work"
DEBOUNCE_SECONDS = 0.02
#: A pending flag older than this is ignored (its task was lost or is stuck).
STALE_AFTER = timedelta(seconds=60)


def engine_cluster() -> str:
    """The django-q2 cluster that runs engine tasks ("" for the default one)."""
    return workflow_settings.TASK_CLUSTER or ""


class _Brokers:
    """One django-q2 broker per process and cluster: `async_task` without a broker
    builds a new one (a new Redis connection) on every call."""

    def __init__(self) -> None:
        self._brokers: dict[str, Any] = {}
        self._pid = 0
        self._lock = threading.Lock()

    def get(self, cluster: str) -> Any:
        with self._lock:
            if self._pid != os.getpid():
                self._brokers, self._pid = {}, os.getpid()
            if cluster not in self._brokers:
                from django_q.brokers import get_broker

                self._brokers[cluster] = get_broker(cluster or None)
            return self._brokers[cluster]

    def forget(self) -> None:
        with self._lock:
            self._brokers = {}


brokers = _Brokers()


def _take_pending_flag(cluster: str, *, force: bool = False) -> bool:
    """Set the cluster's pending flag; False when a fresh one is already set.
    `force`: the task is enqueued whatever is pending; with a fresh flag already set,
    it is counted as an extra task."""
    now = timezone.now()
    query = PendingWakeUp.objects.filter(cluster=cluster)
    if force:
        if query.filter(requested_at__gt=now - STALE_AFTER).update(
                extra_tasks=F("extra_tasks") + 1):
            return True  # one more beside the flagged one
    else:
        current = query.values_list("requested_at", flat=True).first()
        if current is not None and current > now - STALE_AFTER:
            return False  # a task is waiting: it will see this change too
        query = query.filter(Q(requested_at__isnull=True) | Q(requested_at__lte=now - STALE_AFTER))
    # No fresh flag (or a stale one, whose tasks were lost): this task is the flagged one.
    if query.update(requested_at=now, extra_tasks=0):
        return True
    if PendingWakeUp.objects.filter(cluster=cluster).exists():
        return False  # another process set it just now
    try:
        PendingWakeUp.objects.create(cluster=cluster, requested_at=now)
    except IntegrityError:
        return False
    return True


def start_up_wake_up() -> bool:
    """A worker process starting: enqueue a sweep. A pending flag whose task is not
    in the broker's queue any more (lost with a broker restart) is cleared first;
    otherwise the waiting task does the sweep's job (still at most one pending)."""
    cluster = engine_cluster()
    try:
        if not brokers.get(cluster).queue_size():
            PendingWakeUp.objects.filter(cluster=cluster).update(requested_at=None,
                                                                 extra_tasks=0)
    except Exception:
        logger.warning("could not look at the queue; enqueueing a sweep anyway", exc_info=True)
        return enqueue_work(force=True)
    return enqueue_work()


def clear_pending_flag() -> None:
    """Called by an engine task as it starts: one engine task fewer waits. An extra
    task (`wake_several`) takes one off the count; otherwise the flag is cleared, and
    later changes need a new task."""
    query = PendingWakeUp.objects.filter(cluster=engine_cluster())
    if query.filter(extra_tasks__gt=0).update(extra_tasks=F("extra_tasks") - 1):
        return
    query.filter(requested_at__isnull=False).update(requested_at=None)


def engine_tasks_waiting() -> int:
    """How many engine tasks wait in this cluster's queue, by the flag and the count
    of extra tasks (both forgotten once older than `STALE_AFTER`: a lost task)."""
    found = (PendingWakeUp.objects.filter(cluster=engine_cluster())
             .values_list("requested_at", "extra_tasks").first())
    if found is None:
        return 0
    requested, extra = found
    if requested is None:
        return 0
    if requested <= timezone.now() - STALE_AFTER:
        return 0
    return 1 + int(extra or 0)


def enqueue_work(*, force: bool = False) -> bool:
    """Enqueue one engine task unless one is already waiting (`force`: regardless).
    Returns whether a task was enqueued. Never raises: when the broker is down,
    the sweeper finds the work."""
    cluster = engine_cluster()
    try:
        if not _take_pending_flag(cluster, force=force):
            return False
    except Exception:
        logger.warning("could not read the pending wake-up flag; enqueueing anyway",
                       exc_info=True)
    try:
        from django_q.tasks import async_task

        # The cluster's own task timeout applies; a `work` task ends well before it.
        async_task(WORK_TASK, task_name=TASK_NAME, broker=brokers.get(cluster))
        return True
    except Exception:
        brokers.forget()
        logger.warning("could not enqueue a workflows task; the sweeper will pick it up",
                       exc_info=True)
        with contextlib.suppress(Exception):
            PendingWakeUp.objects.filter(cluster=cluster).update(requested_at=None)
        return False


class _Waker:
    """Sends wake-ups from a background thread: requested ones (debounced) and
    timed ones (the earliest requested time)."""

    def __init__(self) -> None:
        self._signal = threading.Event()
        self._requested = False
        self._due: float | None = None  # monotonic time of the earliest timed wake-up
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._busy = False

    def request(self) -> None:
        with self._lock:
            self._requested = True
            self._busy = True
        self._signal.set()
        self._ensure_thread()

    def request_at(self, monotonic_due: float) -> None:
        with self._lock:
            if self._due is None or monotonic_due < self._due:
                self._due = monotonic_due
        self._signal.set()
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        thread = self._thread
        if thread is not None and self._pid == os.getpid() and thread.is_alive():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="workflows-waker")
                self._thread.start()

    def flush(self) -> None:
        """Send a requested wake-up now, in this thread (at exit)."""
        with self._lock:
            requested, self._requested = self._requested, False
        if requested and self._pid == os.getpid():
            try:
                enqueue_work()
            finally:
                connections.close_all()

    def _loop(self) -> None:
        while True:
            with self._lock:
                timeout = None if self._due is None else max(0.0, self._due - time.monotonic())
            self._signal.wait(timeout)
            self._signal.clear()
            with self._lock:
                send, self._requested = self._requested, False
                if self._due is not None and self._due <= time.monotonic():
                    self._due, send = None, True
                self._busy = send or self._requested
            if not send:
                continue
            try:
                enqueue_work()
            finally:
                connections.close_all()  # this thread's own connections
            time.sleep(DEBOUNCE_SECONDS)
            with self._lock:
                self._busy = self._requested

    def settle(self, timeout: float) -> bool:
        """Wait until requested wake-ups have been sent (for tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._busy and not self._requested:
                    return True
            time.sleep(0.005)
        return False


_waker = _Waker()
atexit.register(_waker.flush)


class _Sessions:
    """The executor sessions running in this process. Events recorded by their
    own steps need no wake-up: a session dispatches pending events until it ends
    (and one that ends with some left behind asks for a worker itself)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._held_back = False

    def started(self) -> None:
        with self._lock:
            self._running += 1

    def ended(self) -> bool:
        """A session ended; whether wake-ups were held back while the last ran."""
        with self._lock:
            self._running = max(0, self._running - 1)
            if self._running:
                return False
            held_back, self._held_back = self._held_back, False
            return held_back

    def cover(self) -> bool:
        """Whether a running session covers a wake-up asked for now."""
        with self._lock:
            if self._running:
                self._held_back = True
                return True
            return False


sessions = _Sessions()


def wake_soon_unless_running() -> None:
    """`wake_soon()`, unless a session runs in this process (for events recorded
    by a run's steps: that session dispatches them)."""
    if not sessions.cover():
        _waker.request()


def wake_soon() -> None:
    """Ask for an engine task (from a background thread, debounced, coalesced).
    Call it after the commit that made work ready (`transaction.on_commit`)."""
    _waker.request()


def settle(timeout: float = 5.0) -> bool:
    """Wait until the wake-ups requested in this process have been sent."""
    return _waker.settle(timeout)


def wake_at(when: datetime) -> None:
    """Ask for an engine task at `when` (a timer in this process; if the process
    ends first, the sweeper schedule picks the work up)."""
    delay = max(0.0, (when - timezone.now()).total_seconds())
    _waker.request_at(time.monotonic() + delay)


def wake_several(count: int) -> None:
    """Ask for `count` engine tasks now, whatever is pending: work that several
    workers should take at the same time (the branches of a `parallel` step). A
    cluster's task puller takes tasks even while its workers are busy, so one
    task may wait behind the running one; more tasks reach idle workers too.
    Call it after the commit that made the work ready."""
    for _ in range(max(0, count)):
        enqueue_work(force=True)
