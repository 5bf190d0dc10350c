"""Periodic work that the worker loop runs at the start of every `work` task
and drain: each registered trigger's `periodic(now)` hook (schedules falling due,
date-based triggers, and any trigger a project adds)."""

from __future__ import annotations

import logging
from datetime import datetime

from engine import trigger_registry

logger = logging.getLogger("workflows_app.periodic")


def run_periodic_hooks(now: datetime) -> None:
    """Fire whatever fell due by `now` (each due item exactly once across workers).

    A hook that fails is logged and does not keep the others, or the worker loop,
    from running.
    """
    for key, trigger_class in trigger_registry.items():
        hook = getattr(trigger_class(), "periodic", None)
        if hook is None:
            continue
        try:
            hook(now)
        except Exception:
            logger.exception("the periodic check of trigger %s failed", key)
