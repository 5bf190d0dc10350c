"""The context a step runs in, and the causal chain carried by changes it makes."""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Cause:
    """The run whose step is making changes right now, and its chain of workflows."""

    run_id: int
    chain: tuple[int, ...]


_current_cause: contextvars.ContextVar[Cause | None] = contextvars.ContextVar(
    "workflows_current_cause", default=None)


def current_cause() -> Cause | None:
    """The run making changes in this thread, if any (read by the event recorder)."""
    return _current_cause.get()


@contextlib.contextmanager
def caused_by(cause: Cause | None) -> Iterator[None]:
    """Changes made inside the block carry `cause` into the events they record."""
    token = _current_cause.set(cause)
    try:
        yield
    finally:
        _current_cause.reset(token)


@dataclass
class StepContext:
    """Passed to `StepType.run`: which run and step this is, and its scope values."""

    run_id: int
    workflow_id: int
    step_key: str
    attempt: int
    now: datetime
    values: Mapping[str, Any]
    chain: tuple[int, ...] = ()
    schema: Any = None
    notes: list[str] = field(default_factory=list)
    #: `time.monotonic()` by which this attempt must be done (its time budget,
    #: `STEP_TIMEOUT_SECONDS`); None: no budget.
    deadline: float | None = None

    def time_left(self) -> float | None:
        """Seconds left of this attempt's time budget (None: unbounded). A step
        that waits on something (a network call) should wait at most this long."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    @property
    def idempotency_key(self) -> str:
        """Stable across attempts: `<run id>:<step key>`; pass it to side effects."""
        return f"{self.run_id}:{self.step_key}"

    def log(self, message: str) -> None:
        """Add a line to the step's record in the run history."""
        self.notes.append(message)
