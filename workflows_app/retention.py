"""Retention: delete run history older than `WORKFLOWS["RETENTION_DAYS"]`.

`prune(days=...)` (and `manage.py workflows_prune`) deletes, in batches:

1. finished runs (succeeded, failed, cancelled) that finished before the cutoff,
   with their step records and action history, event by event: an event's runs
   (its first run and the runs started again from it) go together, once all of
   them are prunable;
2. events recorded before the cutoff that were dispatched (or failed to be) and
   have no run left, with their evaluations;
3. webhook deliveries (the inbound request log) received before the cutoff.

It never deletes a run that has not finished (pending, running, waiting), nor an
event that still has a run (deleting the event would delete the run), nor an event
not yet dispatched. Each batch is its own transaction, so a long prune does not
hold locks for long and can be stopped and started again. A `PruneLog` row records
when it ran, its cutoff and what it deleted; the runs list shows the latest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from workflows_app.conf import workflow_settings
from workflows_app.models import (
    Event,
    EventStatus,
    PruneLog,
    Run,
    WebhookDelivery,
)
from workflows_app.models.run import FINISHED_RUN_STATUSES

DEFAULT_BATCH_SIZE = 1000

#: progress(kind, done, total): kind is "runs", "events" or "webhook deliveries".
Progress = Callable[[str, int, int], None]


@dataclass
class PruneResult:
    cutoff: datetime
    days: int
    runs: int = 0
    events: int = 0
    deliveries: int = 0
    dry_run: bool = False
    log: PruneLog | None = None


def retention_days() -> int | None:
    return workflow_settings.RETENTION_DAYS


def _prunable_run(cutoff: datetime) -> Q:
    """A finished run that finished (and was created) before `cutoff`."""
    return (Q(status__in=FINISHED_RUN_STATUSES, created_at__lt=cutoff)
            & (Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True)))


def _old_events(cutoff: datetime) -> QuerySet[Event]:
    return Event.objects.filter(status__in=[EventStatus.DISPATCHED, EventStatus.FAILED],
                                occurred_at__lt=cutoff, created_at__lt=cutoff)


def events_with_prunable_runs(cutoff: datetime) -> QuerySet[Event]:
    """Events that have runs, every one of them prunable.

    Runs go by event: an event's runs (the first run and the runs started again
    from it, which share its event) are deleted together or not at all, so a run
    started again is never left pointing at nothing, nor kept without its history.
    """
    runs = Run.objects.filter(event=OuterRef("pk"))
    return (Event.objects.filter(Exists(runs))
            .exclude(Exists(runs.exclude(_prunable_run(cutoff)))))


def prunable_runs(cutoff: datetime) -> QuerySet[Run]:
    return Run.objects.filter(event__in=events_with_prunable_runs(cutoff).values("pk"))


def prunable_events(cutoff: datetime, *, counting_prunable_runs: bool = False
                    ) -> QuerySet[Event]:
    """Dispatched (or failed) events from before `cutoff` without any run (with
    `counting_prunable_runs`: without any run that is kept, for a dry run)."""
    runs = Run.objects.filter(event=OuterRef("pk"))
    if counting_prunable_runs:
        runs = runs.exclude(_prunable_run(cutoff))
    return _old_events(cutoff).exclude(Exists(runs))


def prunable_deliveries(cutoff: datetime) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(received_at__lt=cutoff)


def prune(*, days: int | None = None, dry_run: bool = False,
          batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None,
          now: datetime | None = None) -> PruneResult:
    """Apply the retention period (`days`, default `RETENTION_DAYS`)."""
    days = retention_days() if days is None else days
    if days is None:
        raise ValueError("RETENTION_DAYS is None (keep forever): give a number of days")
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    batch_size = max(1, int(batch_size))
    started = now or timezone.now()
    cutoff = started - timedelta(days=days)
    result = PruneResult(cutoff=cutoff, days=days, dry_run=dry_run)
    report = progress or (lambda kind, done, total: None)

    runs_total = prunable_runs(cutoff).count()
    if dry_run:
        result.runs = runs_total
        result.events = prunable_events(cutoff, counting_prunable_runs=True).count()
        result.deliveries = prunable_deliveries(cutoff).count()
        report("runs", result.runs, result.runs)
        report("events", result.events, result.events)
        report("webhook deliveries", result.deliveries, result.deliveries)
        return result

    log = PruneLog.objects.create(started_at=started, cutoff=cutoff, days=days)
    result.log = log
    result.runs = _delete_runs(cutoff, runs_total, batch_size,
                               lambda done: report("runs", done, runs_total))
    events_total = prunable_events(cutoff).count()
    result.events = _delete_in_batches(prunable_events(cutoff), events_total, batch_size,
                                       lambda done: report("events", done, events_total))
    deliveries_total = prunable_deliveries(cutoff).count()
    result.deliveries = _delete_in_batches(
        prunable_deliveries(cutoff), deliveries_total, batch_size,
        lambda done: report("webhook deliveries", done, deliveries_total))
    log.runs_deleted = result.runs
    log.events_deleted = result.events
    log.deliveries_deleted = result.deliveries
    log.finished_at = timezone.now()
    log.save(update_fields=["runs_deleted", "events_deleted", "deliveries_deleted",
                            "finished_at"])
    return result


def _delete_runs(cutoff: datetime, total: int, batch_size: int,
                 progress: Callable[[int], None]) -> int:
    """Delete the runs of events whose runs are all prunable, the runs of
    `batch_size` events per transaction."""
    done = 0
    while True:
        with transaction.atomic():
            event_ids = list(events_with_prunable_runs(cutoff).order_by("pk")
                             .values_list("pk", flat=True)[:batch_size])
            if not event_ids:
                break
            run_ids = list(Run.objects.filter(event_id__in=event_ids)
                           .values_list("pk", flat=True))
            deleted = _delete_family(run_ids, cutoff)
        done += deleted
        progress(done)
        if deleted == 0:  # matched but could not be deleted: stop rather than loop
            break
    return done


def _delete_family(run_ids: list[int], cutoff: datetime) -> int:
    """Delete runs that include every run started again from any of them: the
    newest generation first, so no run is ever left as a second "first run" of
    its event (what `rerun_of` being set to NULL would make it). Each delete
    checks again that the run is still prunable (retried meanwhile: kept, with
    the runs it was started from)."""
    remaining = set(run_ids)
    deleted = 0
    while remaining:
        leaves = list(Run.objects.filter(pk__in=remaining)
                      .exclude(Exists(Run.objects.filter(rerun_of=OuterRef("pk"))))
                      .values_list("pk", flat=True))
        if not leaves:
            break
        deleted += (Run.objects.filter(_prunable_run(cutoff), pk__in=leaves).delete()[1]
                    .get(Run._meta.label, 0))
        remaining.difference_update(leaves)
    return deleted


def _delete_in_batches(query: QuerySet, total: int, batch_size: int,
                       progress: Callable[[int], None]) -> int:
    """Delete what `query` matches, `batch_size` rows per transaction; the query is
    evaluated again for every batch, so rows that stopped matching (a run retried
    meanwhile) are left alone."""
    done = 0
    model = query.model
    while True:
        with transaction.atomic():
            ids = list(query.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            # Re-check under the same conditions, so nothing that changed since
            # the ids were read is deleted.
            deleted = query.filter(pk__in=ids).delete()[1].get(model._meta.label, 0)
        done += deleted
        progress(done)
        if deleted == 0:  # rows matched but could not be deleted: stop, not loop
            break
    return done
