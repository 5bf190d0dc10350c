"""The source of `model.date` events: the trigger's periodic check, run at the start
of every worker loop and by `workflows_drain` (`run_periodic_hooks`).

For each active `model.date` workflow, `fire_due_dates(trigger, now)` finds the
records whose due time (their date field, in the workflow's timezone, plus the
offset) lies between where the last check got to and `now`, and records one
event for each, with a snapshot of the record as it is now:

- **Once per record and date value.** The event's `dedupe_key` is
  `model.date:<workflow id>:<record id>:<field value>`, unique in the database:
  with several workers checking at once, one insert wins and the others get an
  `IntegrityError`, which is swallowed. A record whose date changes falls due
  again at its new due time; the same value never fires twice.
- **Conditions at fire time.** The event carries the record as it is when it
  falls due, so the workflow's conditions ("if it is still unpaid") are checked
  then; a record that no longer matches is answered "conditions not met" in
  "why didn't it run?", and a deleted record, or one whose date moved, is not
  found at all.
- **From activation.** Due times before the workflow was saved or activated
  (`Workflow.updated_at`, less a minute) never fire: activating "3 days after
  created" does not fire for every old order. After downtime, the records that
  fell due meanwhile fire late, each once.
- **Records saved late.** Each check looks `OVERLAP` back over the previous one,
  so a record committed a little after its due time (a save whose transaction
  was still open) still fires; a date set to a time more than that in the past
  does not fire.
- **Cost.** `ScheduleState` remembers, per workflow, where the checks got to
  (`last_slot`) and when the last one ran (`last_fired_at`); a workflow is
  checked at most every `CHECK_INTERVAL`, with one query on the model's date
  field (index it on big tables), and at most `MAX_PER_PASS` events per check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from workflows_app.models import Event, ScheduleState, Workflow
from workflows_app.tenancy.scoping import tenant_visibility

if TYPE_CHECKING:
    from workflows_app.triggers.model_date.trigger import DatePlan, ModelDate

logger = logging.getLogger("workflows_app.schedules")

#: A workflow's records are checked at most this often.
CHECK_INTERVAL = timedelta(seconds=15)
#: How far each check looks back over the previous one (records saved late).
OVERLAP = timedelta(minutes=5)
#: A due time this long before the workflow's last save or activation still fires.
START_GRACE = timedelta(minutes=1)
#: Events recorded per workflow and check; the rest follow in the next check.
MAX_PER_PASS = 500
#: Records read per workflow and check.
MAX_SCANNED = 20 * MAX_PER_PASS


@dataclass(frozen=True)
class FiredDate:
    """One record that fell due and the event recorded for it."""

    workflow_id: int
    record_pk: Any
    value: date | datetime
    due: datetime
    event_id: int


def dedupe_key(workflow_id: int, record_pk: Any, value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if timezone.is_aware(value) else value
    return f"model.date:{workflow_id}:{record_pk}:{value.isoformat()}"


def _due_records(plan: DatePlan, since: datetime, until: datetime,
                 tenant_id: str | None = None) -> list[tuple[Any, date | datetime, datetime]]:
    """`(record, value, due)` for the records falling due in (since, until], by due time
    (with tenancy on: the records of the workflow's tenant, `tenant_id`)."""
    name = plan.field.name
    records = plan.registration.visible_records(tenant_visibility(tenant_id))
    query = records.filter(plan.values_due_between(since, until)).order_by(name, "pk")
    found = []
    for instance in query[:MAX_SCANNED]:
        value = getattr(instance, plan.field.attname)
        if value is None:
            continue
        due = plan.due_time(value)
        if since < due <= until:
            found.append((instance, value, due))
    found.sort(key=lambda item: item[2])
    return found


def _already_fired(keys: list[str]) -> set[str]:
    fired: set[str] = set()
    for start in range(0, len(keys), 500):
        fired.update(Event.objects.filter(dedupe_key__in=keys[start:start + 500])
                     .values_list("dedupe_key", flat=True))
    return fired


def fire_workflow(trigger: ModelDate, workflow: Workflow, now: datetime) -> list[FiredDate]:
    """Record the events of `workflow`'s records that fell due by `now`."""
    plan = trigger.plan(workflow.trigger_config or {})
    state = getattr(workflow, "schedule_state", None)
    start = workflow.updated_at - START_GRACE
    since = max(state.last_slot - OVERLAP, start) if state and state.last_slot else start
    if state is None:
        ScheduleState.objects.get_or_create(workflow_id=workflow.pk)  # safe when racing
    reached = now
    fired: list[FiredDate] = []
    if since < now:
        due = _due_records(plan, since, now, workflow.tenant_id)
        keys = [dedupe_key(workflow.pk, instance.pk, value) for instance, value, _ in due]
        done = _already_fired(keys)
        todo = [(key, item) for key, item in zip(keys, due, strict=True) if key not in done]
        if len(todo) > MAX_PER_PASS:
            reached = todo[MAX_PER_PASS][1][2] - timedelta(microseconds=1)
            todo = todo[:MAX_PER_PASS]
        for key, (instance, value, due_at) in todo:
            try:
                with transaction.atomic():
                    event = trigger.record_due(workflow, plan, instance, due_at, dedupe_key=key)
            except IntegrityError:
                logger.debug("record %s of workflow %s was fired by another worker",
                             instance.pk, workflow.pk)
                continue
            fired.append(FiredDate(workflow.pk, instance.pk, value, due_at, event.pk))
    (ScheduleState.objects.filter(workflow_id=workflow.pk)
     .filter(Q(last_slot__isnull=True) | Q(last_slot__lt=reached))
     .update(last_slot=reached))
    ScheduleState.objects.filter(workflow_id=workflow.pk).update(last_fired_at=now)
    if fired:
        logger.info("model.date workflow %s fired for %s record(s)", workflow.pk, len(fired))
    return fired


def fire_due_dates(trigger: ModelDate, now: datetime | None = None) -> list[FiredDate]:
    """Record one event for each record of each active `model.date` workflow that
    fell due by `now` and has not fired yet (see the module docstring); returns
    what was fired. A workflow that cannot be checked is logged and skipped."""
    now = now or timezone.now()
    fired: list[FiredDate] = []
    workflows = (Workflow.objects.filter(trigger_type=trigger.key, is_active=True)
                 .select_related("schedule_state")
                 .only("pk", "name", "trigger_config", "updated_at",
                       "schedule_state__last_slot", "schedule_state__last_fired_at")
                 .order_by("pk"))
    for workflow in workflows:
        state = getattr(workflow, "schedule_state", None)
        checked_at = state.last_fired_at if state else None
        if checked_at is not None and checked_at <= now < checked_at + CHECK_INTERVAL:
            continue
        try:
            fired += fire_workflow(trigger, workflow, now)
        except Exception:
            logger.exception("could not check the dates of workflow %s", workflow.pk)
    return fired
