"""The source of `schedule` events: one event per due time (slot), once, with any
number of workers.

`fire_due_schedules(trigger, now)` is the trigger's periodic hook: it runs at the
start of every worker loop (`run_periodic_hooks`, which the django-q2 sweeper
schedule also reaches about every minute) and of `workflows_drain`. For each
active schedule workflow it takes the latest slot of its cron expression, in its
timezone, at or before `now`, and records an event for it unless it was already
fired:

- **Exactly once.** The event's `dedupe_key` is `schedule:<workflow id>:<slot in
  UTC, ISO 8601>` and unique in the database; each slot is recorded in its own
  savepoint, so when workers race, one insert wins and the others get an
  `IntegrityError`, which is swallowed.
- **No backlog.** Only the latest slot is ever fired. After downtime (no worker
  running) the slots missed in between are skipped, and the latest of them fires
  once, late, when a worker is back.
- **Start.** A workflow fires no slot that fell due more than `START_GRACE` before
  it was last saved or activated (`Workflow.updated_at`): activating a daily
  09:00 workflow at 10:30 waits for tomorrow's 09:00; a slot reached moments
  before a save (not yet picked up) still fires.
- **Granularity.** The django-q2 sweeper runs every minute, so a slot fires within
  about a minute of its time (sooner when workers are busy anyway).

`ScheduleState.last_slot` remembers each workflow's latest fired slot, so the
usual "nothing due" case costs one query for all schedule workflows together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from croniter import croniter
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from workflows_app.models import ScheduleState, Workflow

if TYPE_CHECKING:
    from workflows_app.triggers.schedule.trigger import Schedule

logger = logging.getLogger("workflows_app.schedules")

#: A slot this long before the workflow's last save or activation still fires.
START_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class FiredSlot:
    workflow_id: int
    slot: datetime
    event_id: int


def latest_slot(expression: str, zone_name: str, now: datetime) -> datetime:
    """The latest due time of `expression` in `zone_name` at or before `now`."""
    zone = ZoneInfo(zone_name or "UTC")
    # croniter's get_prev is strictly before its start: start just after `now` so
    # that a slot exactly at `now` counts as due.
    start = (now + timedelta(microseconds=1)).astimezone(zone)
    return croniter(expression, start).get_prev(datetime)


def dedupe_key(workflow_id: int, slot: datetime) -> str:
    return f"schedule:{workflow_id}:{slot.astimezone(UTC).isoformat()}"


def due_slot(workflow: Workflow, now: datetime) -> datetime | None:
    """The slot `workflow` should fire now, or None."""
    config = workflow.trigger_config or {}
    slot = latest_slot(str(config.get("cron", "")), str(config.get("timezone") or "UTC"), now)
    state = getattr(workflow, "schedule_state", None)
    if state is not None and state.last_slot is not None and slot <= state.last_slot:
        return None
    if workflow.updated_at is not None and slot < workflow.updated_at - START_GRACE:
        return None
    return slot


def fire_slot(trigger: Schedule, workflow: Workflow, slot: datetime, now: datetime, *,
              wake: bool = False) -> FiredSlot | None:
    """Record the event of one slot; None if another worker already did."""
    key = dedupe_key(workflow.pk, slot)
    if getattr(workflow, "schedule_state", None) is None:
        ScheduleState.objects.get_or_create(workflow_id=workflow.pk)  # safe when racing
    try:
        with transaction.atomic():
            event = trigger.record_slot(workflow, slot, dedupe_key=key, wake=wake)
            (ScheduleState.objects.filter(workflow_id=workflow.pk)
             .filter(Q(last_slot__isnull=True) | Q(last_slot__lt=slot))
             .update(last_slot=slot, last_fired_at=now))
    except IntegrityError:
        logger.debug("slot %s of workflow %s was fired by another worker", slot, workflow.pk)
        return None
    logger.info("schedule workflow %s fired for %s (event %s)", workflow.pk,
                slot.isoformat(), event.pk)
    return FiredSlot(workflow.pk, slot, event.pk)


def fire_due_schedules(trigger: Schedule, now: datetime | None = None, *,
                       wake: bool = False) -> list[FiredSlot]:
    """Record one event for each active schedule workflow whose latest slot at or
    before `now` has not fired yet; returns what was fired (see the module doc).

    Never raises for one workflow's sake: a workflow whose schedule cannot be
    computed is logged and skipped. `wake` enqueues a worker after the commit
    (not needed when called by a worker that processes events next anyway).
    """
    now = now or timezone.now()
    fired: list[FiredSlot] = []
    workflows = (Workflow.objects.filter(trigger_type=trigger.key, is_active=True)
                 .select_related("schedule_state")
                 .only("pk", "name", "trigger_config", "updated_at", "schedule_state__last_slot")
                 .order_by("pk"))
    for workflow in workflows:
        try:
            slot = due_slot(workflow, now)
            if slot is None:
                continue
            result = fire_slot(trigger, workflow, slot, now, wake=wake)
        except Exception:
            logger.exception("could not fire the schedule of workflow %s", workflow.pk)
            continue
        if result is not None:
            fired.append(result)
    return fired
