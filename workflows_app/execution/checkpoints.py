"""Writing what the executor did: step rows, finished or parked runs, and the
lease checks that make a step's start and a database step's commit conditional
on the worker still holding the run (not cancelled, not taken over).

Every write here is idempotent (upserts; updates conditional on the lease), so
`retrying()` can run it again on a new connection when the old one was lost:
a dropped connection loses no finished step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connection
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from workflows_app.execution import statements
from workflows_app.execution.leases import lease_until
from workflows_app.execution.run_state import FINAL_RUN_STATUSES, MAX_ERROR_LENGTH, RunState
from workflows_app.models import Run, RunStatus, StepRun

logger = logging.getLogger("workflows_app.executor")

ROW_FIELDS = ["status", "attempt", "inputs", "outputs", "error", "attempts_log", "due_at",
              "started_at", "finished_at", "duration_ms"]
CONNECTION_ERRORS = (OperationalError, InterfaceError)
RETRY_DELAYS = (0.1, 0.3, 1.0, 2.0, 4.0)

T = TypeVar("T")


def retrying(write: Callable[[], T]) -> T:
    """Run `write` (which opens its own transaction); when the database connection
    fails, reconnect and run it again, a few times over about 7 seconds."""
    for delay in (*RETRY_DELAYS, None):
        try:
            return write()
        except CONNECTION_ERRORS:
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("a database write failed; reconnecting and writing again",
                           exc_info=True)
            connection.close()
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def save_rows(rows: list[StepRun]) -> None:
    """Insert or update step rows (`INSERT ... ON CONFLICT (run, key) DO UPDATE`),
    in one round trip. A row is never overwritten by an older attempt (a worker
    that lost its lease writing late)."""
    unique = list({(row.run_id, row.key): row for row in rows}.values())
    statements.upsert(unique, conflict=["run", "key"], update=ROW_FIELDS, keep_newer="attempt")


def still_held(owner: str, run_ids: Iterable[int]) -> set[int]:
    """Renew the leases of `run_ids` that `owner` still holds, locking those rows
    for the rest of the transaction; returns them. A cancelled run or one taken
    over by another worker is not among them."""
    ids = list(run_ids)
    if not ids:
        return set()
    held = statements.update_returning(Run, {"lease_expires_at": lease_until()}, ids,
                                       {"lease_owner": owner, "status": RunStatus.RUNNING})
    if held is not None:
        return held
    query = Run.objects.filter(pk__in=ids, lease_owner=owner, status=RunStatus.RUNNING)
    if query.update(lease_expires_at=lease_until()) == len(ids):
        return set(ids)
    return set(query.values_list("pk", flat=True))


def finish_runs(owner: str, states: list[RunState]) -> set[int]:
    """Write each state's `finish` (final, or parked with a due time) and give the
    lease back; returns the ids of runs that were no longer ours."""
    if not states:
        return set()
    now = timezone.now()
    groups: dict[tuple[str, str, datetime | None], list[int]] = {}
    for state in states:
        assert state.finish is not None
        key = (state.finish.status, state.finish.error[:MAX_ERROR_LENGTH], state.finish.due_at)
        groups.setdefault(key, []).append(state.pk)
    done: set[int] = set()
    for (status, error, due_at), ids in groups.items():
        fields: dict[str, Any] = {"status": status, "error": error, "due_at": due_at,
                                  "lease_owner": "", "lease_expires_at": None}
        if status in FINAL_RUN_STATUSES:
            fields["finished_at"] = now
            written = statements.update_returning(Run, fields, ids, {"lease_owner": owner})
            if written is not None and len(written) == len(ids):
                done.update(ids)
                continue
            if written is not None:  # some were cancelled or taken over
                done.update(written)
                ids = [pk for pk in ids if pk not in written]
        elif due_at is not None:
            # Woken while it was being worked on (a branch of its `parallel` step
            # finished meanwhile): the earlier time stands.
            due = Value(due_at, output_field=DateTimeField())
            fields["due_at"] = Least(Coalesce(F("due_at"), due), due)
        query = Run.objects.filter(pk__in=ids, lease_owner=owner)
        if query.update(**fields) == len(ids):
            done.update(ids)
        else:  # some were cancelled or taken over; a repeated write finds its own
            written = Run.objects.filter(pk__in=ids, status=status, lease_owner="")
            written = (written.filter(due_at__lte=due_at) if due_at is not None
                       else written.filter(due_at=None))
            done.update(written.values_list("pk", flat=True))
    return {state.pk for state in states} - done


def stored_statuses(run_ids: Iterable[int]) -> dict[int, str]:
    return dict(Run.objects.filter(pk__in=list(run_ids)).values_list("pk", "status"))
