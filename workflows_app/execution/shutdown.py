"""Stopping cleanly: a worker process asked to stop finishes the steps it has in
flight, saves them, gives its other runs back and exits.

How a django-q2 worker process learns that it should stop:

- **SIGTERM to the process** (systemd, supervisord with `stopasgroup`, `kill
  -TERM -<group>`): `install_signal_handler()` (called as the worker starts)
  turns it into a stop request. Outside an engine task the process exits at
  once; inside one, the task winds down and the process exits after it.
- **SIGTERM to the cluster only** (`docker stop`, Ctrl-C): django-q2 stops
  feeding tasks and waits for the workers. The engine task notices from the
  cluster's published status (`cluster_stopping()`, read twice a second by the
  heartbeat) and winds down the same way; in any case an engine task takes new
  work for at most `WORK_SLICE_SECONDS`.
- The django-q2 worker's own task queue is watched too (`tasks_waiting()`): a
  host task waiting for this worker makes the engine task hand the worker back.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any

from workflows_app.execution.wakeups import brokers, engine_cluster

logger = logging.getLogger("workflows_app.queue")


class _StopState:
    def __init__(self) -> None:
        self.requested = threading.Event()
        self.by_signal = False
        self.session_active = False
        self.local_queue: Any = None  # the django-q2 worker's task queue, when found


state = _StopState()


def stop_requested() -> bool:
    return state.requested.is_set()


def request_stop(*, by_signal: bool = False) -> None:
    state.by_signal = state.by_signal or by_signal
    state.requested.set()


def _on_sigterm(signum: int, frame: Any) -> None:
    request_stop(by_signal=True)
    if not state.session_active:
        sys.exit(0)  # idle in django-q2's loop: nothing of ours in flight


def install_signal_handler() -> None:
    """In a worker process (main thread only): SIGTERM becomes a stop request."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


def exit_if_stopped_by_signal() -> None:
    """At the end of an engine task: a process that got SIGTERM exits now."""
    if state.by_signal:
        logger.info("worker %s stopping (SIGTERM)", os.getpid())
        sys.exit(0)


def find_local_task_queue() -> None:
    """Remember the django-q2 worker's task queue (the `task_queue` argument of
    `django_q.worker.worker`, found on the call stack of its `post_spawn`
    signal), to see whether tasks wait for this worker. Best effort: without it
    only the broker's queue is looked at."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "worker" and \
                frame.f_globals.get("__name__") == "django_q.worker":
            state.local_queue = frame.f_locals.get("task_queue")
            return
        frame = frame.f_back


def local_tasks_waiting() -> int:
    queue = state.local_queue
    if queue is None:
        return 0
    try:
        return int(queue.qsize())
    except Exception:
        return 0


#: The django-q2 cluster id of a sentinel process, once found among all clusters'
#: statuses (then only that cluster's status is read).
_cluster_ids: dict[int, str] = {}


def cluster_stopping() -> bool:
    """Whether this worker's django-q2 cluster has started to stop (its sentinel,
    our parent process, publishes its status with the broker)."""
    try:
        from django_q.conf import Conf
        from django_q.status import Stat

        parent = os.getppid()
        broker = brokers.get(engine_cluster())
        known = _cluster_ids.get(parent)
        if known is not None:  # read only our own cluster's status
            stat = Stat.get(pid=parent, cluster_id=known, broker=broker)
            if getattr(stat, "sentinel", None) == parent:
                return stat.status in (Conf.STOPPING, Conf.STOPPED)
        for stat in Stat.get_all(broker=broker):
            if getattr(stat, "sentinel", None) == parent:
                _cluster_ids[parent] = stat.cluster_id
                return stat.status in (Conf.STOPPING, Conf.STOPPED)
    except Exception:
        logger.debug("could not read the cluster status", exc_info=True)
    return False
