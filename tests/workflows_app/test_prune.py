"""Retention: `workflows_prune` deletes old finished runs and dispatched events (in
batches, with progress), never unfinished runs or events that still have a run,
records a `PruneLog`, and the `RETENTION_DAYS` setting is checked."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tests.workflows_app.history_support import Shop, build_shop
from workflows_app.models import (
    Event,
    EventStatus,
    PruneLog,
    Run,
    RunAction,
    RunStatus,
    StepRun,
    WebhookDelivery,
    WorkflowEvaluation,
)
from workflows_app.retention import prune

pytestmark = pytest.mark.django_db


def age(days: int, *, runs: Any = None, events: Any = None) -> None:
    """Move runs (created, started, finished) and events (occurred, recorded) `days`
    into the past."""
    then = timezone.now() - timedelta(days=days)
    if runs is not None:
        Run.objects.filter(pk__in=[r.pk for r in runs]).update(
            created_at=then, started_at=then, finished_at=then)
    if events is not None:
        Event.objects.filter(pk__in=[e.pk for e in events]).update(
            occurred_at=then, created_at=then)


@pytest.fixture
def shop() -> Shop:
    return build_shop()


def run_prune(*args: str) -> str:
    out = StringIO()
    call_command("workflows_prune", *args, stdout=out)
    return out.getvalue()


def test_old_finished_runs_and_their_events_go_new_ones_stay(shop: Shop) -> None:
    old_runs = list(Run.objects.all())
    age(100, runs=old_runs, events=Event.objects.all())
    RunAction.objects.create(run=shop.succeeded, action="retry")
    kept = Run.objects.filter(pk=shop.failed.pk)
    kept.update(finished_at=timezone.now())  # finished recently (a long delay, say)
    events_before = Event.objects.count()
    output = run_prune()
    gone = len(old_runs) - 1
    assert f"deleted {gone:,} / {gone:,} runs" in output
    assert Run.objects.get() == shop.failed  # recent: kept, with its old event
    assert Event.objects.get() == shop.failed.event
    assert not StepRun.objects.exclude(run=shop.failed).exists()
    assert shop.failed.steps.exists()
    assert not RunAction.objects.exists()
    assert WorkflowEvaluation.objects.filter(event=shop.failed.event).exists()
    log = PruneLog.objects.get()
    assert (log.runs_deleted, log.events_deleted, log.days) == (gone, events_before - 1, 90)
    assert log.finished_at is not None
    assert abs((log.cutoff - (timezone.now() - timedelta(days=90))).total_seconds()) < 60


def test_unfinished_runs_and_their_events_are_never_deleted(shop: Shop) -> None:
    Run.objects.filter(pk=shop.failed.pk).update(status=RunStatus.WAITING, finished_at=None)
    Run.objects.filter(pk=shop.succeeded.pk).update(status=RunStatus.RUNNING)
    age(365, runs=Run.objects.all(), events=Event.objects.all())
    Run.objects.filter(pk=shop.failed.pk).update(finished_at=None)
    run_prune("--days", "1")
    # kept: the unfinished runs, and the other runs of their events (an event's runs
    # go together), and those events
    events = {shop.failed.event_id, shop.succeeded.event_id}
    assert set(Run.objects.values_list("pk", flat=True)) == set(
        Run.objects.filter(event__in=events).values_list("pk", flat=True))
    assert {shop.failed.pk, shop.succeeded.pk} <= set(Run.objects.values_list("pk", flat=True))
    assert set(Event.objects.values_list("pk", flat=True)) == events


def test_pending_events_are_never_deleted(shop: Shop) -> None:
    pending = Event.objects.create(trigger_type="model.created", target="demo.order",
                                   status=EventStatus.PENDING)
    age(365, runs=Run.objects.all(), events=Event.objects.all())
    run_prune("--days", "30")
    assert list(Event.objects.all()) == [pending]
    assert not Run.objects.exists()


def test_nothing_recent_is_touched(shop: Shop) -> None:
    runs, events = Run.objects.count(), Event.objects.count()
    output = run_prune()
    assert "Deleted 0 runs, 0 events and 0 webhook deliveries" in output
    assert (Run.objects.count(), Event.objects.count()) == (runs, events)
    assert PruneLog.objects.get().runs_deleted == 0


def test_dry_run_counts_and_deletes_nothing(shop: Shop) -> None:
    age(100, runs=Run.objects.all(), events=Event.objects.all())
    runs, events = Run.objects.count(), Event.objects.count()
    output = run_prune("--dry-run")
    assert f"Would delete {runs:,} runs, {events:,} events" in output
    assert (Run.objects.count(), Event.objects.count()) == (runs, events)
    assert not PruneLog.objects.exists()


def test_batches_with_progress(shop: Shop) -> None:
    total = Run.objects.count()
    events_with_runs = Event.objects.filter(runs__isnull=False).distinct().count()
    age(100, runs=Run.objects.all(), events=Event.objects.all())
    output = run_prune("--batch-size", "2")
    lines = [line.strip() for line in output.splitlines() if line.strip().endswith(" runs")]
    assert lines[-1] == f"deleted {total:,} / {total:,} runs"
    assert len(lines) == -(-events_with_runs // 2)  # two events' runs per transaction
    assert all(line.startswith("deleted ") and line.endswith(f" / {total:,} runs")
               for line in lines)
    assert not Run.objects.exists() and not Event.objects.exists()


def test_runs_started_again_go_with_their_first_run(shop: Shop) -> None:
    """Reruns share their event: all of an event's runs go together, newest first
    (no rerun is left as a second "first run" of the event), or none does."""
    first = shop.failed
    second = Run.objects.create(workflow=shop.erp, version=first.version, event=first.event,
                                rerun_of=first, status=RunStatus.FAILED,
                                finished_at=timezone.now())
    third = Run.objects.create(workflow=shop.erp, version=first.version, event=first.event,
                               rerun_of=second, status=RunStatus.SUCCEEDED,
                               finished_at=timezone.now())
    age(100, runs=Run.objects.all(), events=Event.objects.all())
    Run.objects.filter(pk=third.pk).update(finished_at=timezone.now())  # a recent rerun
    prune(days=90, batch_size=1)
    assert set(Run.objects.filter(event=first.event).values_list("pk", flat=True)) == {
        first.pk, second.pk, third.pk}  # kept: one of them is recent
    Run.objects.filter(pk=third.pk).update(finished_at=timezone.now() - timedelta(days=95))
    prune(days=90, batch_size=1)
    assert not Run.objects.exists() and not Event.objects.exists()


def test_old_webhook_deliveries_go(shop: Shop) -> None:
    old = WebhookDelivery.objects.create(status_code=404, reason="unknown address",
                                         received_at=timezone.now() - timedelta(days=200))
    new = WebhookDelivery.objects.create(status_code=404, reason="unknown address")
    result = prune(days=90)
    assert result.deliveries == 1
    assert list(WebhookDelivery.objects.all()) == [new]
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()


def test_keep_forever_and_bad_arguments(shop: Shop) -> None:
    with override_settings(WORKFLOWS={"RETENTION_DAYS": None}):
        age(1000, runs=Run.objects.all(), events=Event.objects.all())
        output = run_prune()
        assert "kept forever" in output
        assert Run.objects.exists() and not PruneLog.objects.exists()
        with pytest.raises(ValueError, match="keep forever"):
            prune()
    with override_settings(WORKFLOWS={"RETENTION_DAYS": 7}):
        run_prune()
        assert not Run.objects.exists()
        assert PruneLog.objects.get().days == 7
    with pytest.raises(CommandError, match="at least 1"):
        run_prune("--days", "0")
    with pytest.raises(CommandError, match="at least 1"):
        run_prune("--batch-size", "0")


@pytest.mark.parametrize("value", [0, -1, 1.5, "90", True])
def test_retention_days_is_checked(value: Any) -> None:
    with override_settings(WORKFLOWS={"RETENTION_DAYS": value}):
        found = checks.run_checks(tags=["workflows"])
    assert [message.id for message in found] == ["workflows.E005"]
    assert "RETENTION_DAYS" in found[0].msg


@pytest.mark.parametrize("value", [None, 1, 365])
def test_good_retention_days_pass(value: Any) -> None:
    with override_settings(WORKFLOWS={"RETENTION_DAYS": value, "LIVE_POLL_SECONDS": 0.5}):
        assert checks.run_checks(tags=["workflows"]) == []


@pytest.mark.parametrize("value", [-1, "1", True])
def test_live_poll_seconds_is_checked(value: Any) -> None:
    with override_settings(WORKFLOWS={"LIVE_POLL_SECONDS": value}):
        found = checks.run_checks(tags=["workflows"])
    assert [message.id for message in found] == ["workflows.E005"]
