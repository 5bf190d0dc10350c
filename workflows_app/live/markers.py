"""Cheap fingerprints of runs, compared by the polling consumers: a change in the
run, its steps or its action history changes the marker."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, QuerySet

from workflows_app.models import Run, RunAction, StepRun


def list_markers(run_ids: Iterable[int], runs: QuerySet[Run] | None = None
                 ) -> dict[int, tuple[Any, ...]]:
    """Per run: what the runs list shows (status, start, end). One query. `runs`:
    the runs the watcher may see (with tenancy on, its tenants' runs)."""
    ids = list(run_ids)
    if not ids:
        return {}
    runs = Run.objects.all() if runs is None else runs
    return {pk: rest for pk, *rest in runs.filter(pk__in=ids).values_list(
        "pk", "status", "started_at", "finished_at", "due_at")}


def newest_run_id(runs: QuerySet[Run] | None = None) -> int:
    """The highest run id (a new run appeared when it grows). One index lookup.
    `runs`: the runs the watcher may see."""
    runs = Run.objects.all() if runs is None else runs
    return runs.top_level().aggregate(newest=Max("pk"))["newest"] or 0


def run_marker(run_id: int) -> tuple[Any, ...] | None:
    """Everything the run page shows that changes: the run, each step's status,
    attempt and last write, the number of actions. Three small queries."""
    run = list(Run.objects.filter(pk=run_id).values_list(
        "status", "started_at", "finished_at", "due_at", "error"))
    if not run:
        return None
    steps = tuple(StepRun.objects.filter(run_id=run_id).order_by("index").values_list(
        "key", "status", "attempt", "started_at", "finished_at", "due_at"))
    actions = RunAction.objects.filter(run_id=run_id).count()
    return (*run[0], steps, actions)


def token(marker: Any) -> str:
    """A short, stable text form of a marker, for the page to hand back."""
    return hashlib.sha256(repr(marker).encode()).hexdigest()[:20]


def list_statuses(run_ids: Iterable[int], runs: QuerySet[Run] | None = None
                  ) -> dict[int, str]:
    ids = list(run_ids)
    if not ids:
        return {}
    runs = Run.objects.all() if runs is None else runs
    return dict(runs.filter(pk__in=ids).values_list("pk", "status"))
