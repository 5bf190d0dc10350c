"""The drain loop: process everything now, in this process (`workflows_drain`,
tests, demos, cron-only deployments). Same executor and guarantees as the work
loop, without its time slices: it runs until nothing is ready (and, with
`wait_for_delays`, until parked runs have fallen due and run)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils import timezone

from workflows_app.execution.periodic import run_periodic_hooks
from workflows_app.execution.processing import Session, WorkReport, next_due_in

IDLE_WAIT_SECONDS = 0.02


def drain(*, max_seconds: float | None = None, wait_for_delays: bool = False,
          progress: Callable[[WorkReport], None] | None = None) -> WorkReport:
    """Process every pending event, ready run and due delay in this process.

    With `wait_for_delays`, also wait for parked runs to fall due (bounded by
    `max_seconds`). `progress(report)` is called whenever a batch was taken in.
    """
    run_periodic_hooks(timezone.now())
    report = WorkReport()
    session = Session(report, call_for_help=False)
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            found = session.feed()
            progressed = session.step()
            if found and progress is not None:
                progress(report)
            if not session.idle:
                if not progressed and not found:
                    session.wait(IDLE_WAIT_SECONDS)
                continue
            if found or progressed:
                continue  # what just finished may have recorded events (run.failed)
            due_in = next_due_in()
            if not wait_for_delays or due_in is None:
                break
            if deadline is not None and time.monotonic() + due_in > deadline:
                break
            time.sleep(min(max(due_in, 0.05), 5.0))
        # Out of time with steps in flight: let them finish and save them.
        while session.executor.in_flight:
            session.wait(IDLE_WAIT_SECONDS)
            session.step(start_steps=False)
    finally:
        session.close()
    if progress is not None:
        progress(report)
    return report
