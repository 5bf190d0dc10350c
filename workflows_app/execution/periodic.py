"""Periodic work that the worker loop runs at the start of every `work` task
and drain (schedules falling due, and any other time-based trigger)."""

from __future__ import annotations

from datetime import datetime

from workflows_app.execution.schedules import fire_due_schedules


def run_periodic_hooks(now: datetime) -> None:
    """Fire whatever fell due by `now` (each due item exactly once across workers)."""
    fire_due_schedules(now)
