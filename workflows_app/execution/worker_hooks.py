"""django-q2 hooks: what a worker process does as it starts.

- SIGTERM becomes a clean stop (`shutdown.install_signal_handler`): steps in
  flight finish and are saved, other runs are given back, then the process exits.
- The worker's own task queue is remembered, so an engine task can see a host
  task waiting for this worker (`shutdown.find_local_task_queue`).
- Every worker process asks for a sweep as it starts (`wakeups.start_up_wake_up`:
  a pending wake-up whose message was lost with the broker does not block it),
  so parked delays and abandoned runs resume without waiting for the minutely
  sweeper schedule.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connections

from workflows_app.execution import shutdown
from workflows_app.execution.wakeups import start_up_wake_up

logger = logging.getLogger("workflows_app.queue")
_started = threading.Event()


def on_worker_spawn(sender: Any = None, **kwargs: Any) -> None:
    shutdown.install_signal_handler()
    shutdown.find_local_task_queue()
    if _started.is_set():
        return
    _started.set()
    try:
        start_up_wake_up()
    except Exception:
        logger.warning("could not enqueue a start-up sweep", exc_info=True)
    finally:
        connections.close_all()


def connect() -> None:
    try:
        from django_q.signals import post_spawn
    except ImportError:  # pragma: no cover - django-q2 is a dependency
        return
    post_spawn.connect(on_worker_spawn, dispatch_uid="workflows_worker_spawn")
