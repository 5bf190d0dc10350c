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
    """A step failed with a message meant for the run history (no traceback).

    `retryable=False` says that trying again cannot succeed (the receiver refused
    the request, a value is not accepted, something named is missing): the step
    then fails at once, whatever its `retry` policy, and the run ends `failed`
    with this reason (or goes on, with `on_error: continue`). Errors are
    retryable by default: a timeout, a refused connection or an unexpected
    exception may pass.
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def is_retryable(error: BaseException | None) -> bool:
    """Whether another attempt might succeed where `error` failed (see `StepError`)."""
    return bool(getattr(error, "retryable", True))
