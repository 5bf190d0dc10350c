"""django-q2 hooks: when a worker process starts, look for work left behind.

After every worker was stopped, parked delays and abandoned runs wait in the
database; the first worker that starts enqueues a sweep so they resume without
waiting for the next scheduled sweep.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

logger = logging.getLogger("workflows_app.queue")
_started = threading.Event()


def on_worker_spawn(sender: Any = None, **kwargs: Any) -> None:
    if _started.is_set():
        return
    _started.set()
    try:
        from workflows_app.execution.queue import wake_soon

        wake_soon()
    except Exception:
        logger.warning("could not enqueue a start-up sweep", exc_info=True)


def connect() -> None:
    try:
        from django_q.signals import post_spawn
    except ImportError:  # pragma: no cover - django-q2 is a dependency
        return
    post_spawn.connect(on_worker_spawn, dispatch_uid="workflows_worker_spawn")
