"""What a running step may raise to change the flow of its run."""

from __future__ import annotations

from datetime import datetime


class StepFlow(Exception):
    """Base class: a step asks the executor to do something other than continue."""


class WaitUntil(StepFlow):
    """Park the run as `waiting` until `due` (the `delay` step)."""

    def __init__(self, due: datetime) -> None:
        super().__init__(f"waiting until {due.isoformat()}")
        self.due = due


class StopRun(StepFlow):
    """End the run now as `succeeded`; the remaining steps are skipped (`filter`)."""

    def __init__(self, reason: str, outputs: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outputs = outputs or {}


class StepError(Exception):
    """A step failed with a message meant for the run history (no traceback)."""
