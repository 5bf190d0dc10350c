"""Leases: which worker holds which run, for how long.

A worker claims ready runs by writing its name and an expiry into them
(`claim_runs`), renews the expiry while it holds them (a `Heartbeat` thread,
every third of `LEASE_SECONDS`, whatever its steps are doing) and gives them
back when it stops (`release`). A lease that expired means its worker died:
the run is taken over by the next worker that claims it, and `Run.takeovers`
counts how often that happened.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from workflows_app.conf import workflow_settings
from workflows_app.models import Run, RunStatus

logger = logging.getLogger("workflows_app.queue")

#: Set on a claimed `Run` when it had never started (it has no step rows yet).
FRESH_RUN_ATTRIBUTE = "_workflows_fresh"
#: A worker holding a branch run of a `parallel` step leaves its sibling branches
#: to other workers for this long (so branches run on different workers when
#: there are several); after that it takes them too.
BRANCH_SPREAD_SECONDS = 1.0


def worker_id() -> str:
    """A name for leases: host, process id and a per-session suffix."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_seconds() -> float:
    return float(workflow_settings.LEASE_SECONDS)


def lease_until():  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(seconds=lease_seconds())


def ready_runs_query() -> Q:
    """Runs a worker may take: pending, due, released, or with an expired lease."""
    now = timezone.now()
    return (Q(status__in=[RunStatus.PENDING, RunStatus.WAITING, RunStatus.RUNNING])
            & (Q(due_at__isnull=True) | Q(due_at__lte=now))
            & (Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)))


def _spread_branches(owner: str, now: Any) -> Q:
    """Leave out branch runs younger than `BRANCH_SPREAD_SECONDS` whose sibling
    this worker holds: another worker may take them."""
    held_parents = Run.objects.filter(lease_owner=owner, parent__isnull=False).values("parent_id")
    return ~(Q(parent_id__in=held_parents)
             & Q(created_at__gt=now - timedelta(seconds=BRANCH_SPREAD_SECONDS)))


def claim_runs(owner: str, limit: int, *, spread: bool = False) -> list[Run]:
    """Take up to `limit` ready runs. A run still `running` under another
    worker's name (whose lease expired) is a takeover: its count goes up.

    With `spread` (a worker among others), young branch runs of one `parallel`
    step are taken one at a time, and not while this worker holds a sibling
    (`BRANCH_SPREAD_SECONDS`), so that other workers run them at the same time."""
    if limit <= 0:
        return []
    now = timezone.now()
    with transaction.atomic():
        candidates = Run.objects.filter(ready_runs_query()).order_by("pk")
        if spread:
            candidates = candidates.filter(_spread_branches(owner, now))
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        found = list(candidates.values_list("pk", "started_at", "status", "lease_owner",
                                            "parent_id", "created_at")[:limit])
        if spread:
            found = _one_young_branch_each(found, now)
        if not found:
            return []
        ids = [pk for pk, *_ in found]
        fresh = {pk for pk, started_at, *_ in found if started_at is None}
        taken_over = [pk for pk, _started, status, owner_name, *_ in found
                      if status == RunStatus.RUNNING and owner_name]
        Run.objects.filter(Q(pk__in=ids) & ready_runs_query()).update(
            status=RunStatus.RUNNING, lease_owner=owner, lease_expires_at=lease_until(),
            due_at=None, started_at=Coalesce(F("started_at"), now))
        if taken_over:
            Run.objects.filter(pk__in=taken_over).update(takeovers=F("takeovers") + 1)
            logger.warning("took over %s run(s) from workers that stopped: %s",
                           len(taken_over), taken_over[:20])
    runs = list(Run.objects.filter(pk__in=ids, lease_owner=owner)
                .select_related("version", "event").order_by("pk"))
    for run in runs:
        setattr(run, FRESH_RUN_ATTRIBUTE, run.pk in fresh)
    return runs


def _one_young_branch_each(found: list[tuple[Any, ...]], now: Any) -> list[tuple[Any, ...]]:
    """At most one young branch run per parent among the runs found."""
    young_after = now - timedelta(seconds=BRANCH_SPREAD_SECONDS)
    parents: set[int] = set()
    kept = []
    for row in found:
        parent_id, created_at = row[4], row[5]
        if parent_id is not None and created_at > young_after:
            if parent_id in parents:
                continue
            parents.add(parent_id)
        kept.append(row)
    return kept


def release(owner: str, run_ids: Iterable[int]) -> None:
    """Give runs back (between two of their steps): any worker may claim them now.
    They stay `running`; no takeover is counted."""
    ids = list(run_ids)
    if ids:
        Run.objects.filter(pk__in=ids, lease_owner=owner).update(lease_owner="",
                                                                 lease_expires_at=None)


def renew(owner: str, run_ids: Iterable[int]) -> set[int]:
    """Extend the leases of `run_ids` still held by `owner`; returns those renewed.

    Rows locked by another transaction right now are left alone (`SKIP LOCKED`):
    that is the worker's own main thread writing them (which renews or ends the
    lease itself) or someone cancelling. Waiting for them, in whatever order
    the `UPDATE` visits rows, could deadlock with the main thread."""
    ids = sorted(run_ids)
    if not ids:
        return set()
    query = Run.objects.filter(pk__in=ids, lease_owner=owner, status=RunStatus.RUNNING)
    if not connection.features.has_select_for_update_skip_locked:
        query.update(lease_expires_at=lease_until())
        return set(query.values_list("pk", flat=True))
    with transaction.atomic():
        free = list(query.select_for_update(skip_locked=True).order_by("pk")
                    .values_list("pk", flat=True))
        if free:
            Run.objects.filter(pk__in=free).update(lease_expires_at=lease_until())
    return set(free)


class Heartbeat:
    """A background thread renewing the leases of the runs a worker holds (read
    through `held()`) every third of `LEASE_SECONDS`, however long a step takes.
    `on_tick()` is called on every beat (about twice a second), e.g. to notice
    that the cluster is stopping. Uses its own database connection."""

    TICK_SECONDS = 0.5

    def __init__(self, owner: str, held: Callable[[], list[int]],
                 on_tick: Callable[[], None] | None = None) -> None:
        self.owner = owner
        self.held = held
        self.on_tick = on_tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name="workflows-heartbeat")

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        interval = max(0.2, lease_seconds() / 3)
        next_renewal = interval
        elapsed = 0.0
        try:
            while not self._stop.wait(self.TICK_SECONDS):
                elapsed += self.TICK_SECONDS
                if self.on_tick is not None:
                    try:
                        self.on_tick()
                    except Exception:
                        logger.debug("heartbeat tick failed", exc_info=True)
                if elapsed < next_renewal:
                    continue
                next_renewal = elapsed + interval
                try:
                    renew(self.owner, self.held())
                except Exception:
                    logger.warning("could not renew leases; retrying", exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()
