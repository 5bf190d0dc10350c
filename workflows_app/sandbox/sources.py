"""What a draft can be tested with: the recent events its trigger would have
received, and — for triggers about a record — any record, chosen by what staff
know about it (an order number, an e-mail, a name)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from engine import ValidatedDefinition
from engine.types import Record
from workflows_app.execution.snapshot import serialize_record
from workflows_app.models import Event, Workflow
from workflows_app.record_lookup import find_records
from workflows_app.records import get_registration
from workflows_app.tenancy.scoping import scope
from workflows_app.triggers.lookup import get_trigger

#: The scope root of the record a record trigger is about.
RECORD_ROOT = "record"
#: The scope root of the values before the change (`model.updated`).
PREVIOUS_ROOT = "previous"


def events_for(definition: ValidatedDefinition, workflow: Workflow | None,
               who: Any = None) -> QuerySet[Event]:
    """The stored events the draft's trigger listens to, newest first: those of its
    trigger type and target, or, for triggers aimed at one workflow (webhooks,
    schedules, manual starts, dates), those aimed at this workflow; with tenancy on,
    only those `who` may see. The trigger's `listens_to` is applied by `listened`."""
    trigger_type = definition.trigger_type
    target = trigger_type.target(definition.trigger_config)
    query = scope(Event.objects.filter(trigger_type=trigger_type.key), who)
    if target:
        query = query.filter(target=target, workflow__isnull=True)
    elif workflow is not None and workflow.pk is not None:
        query = query.filter(workflow_id=workflow.pk)
    else:
        return Event.objects.none()
    return query.order_by("-occurred_at", "-id")


def listened(definition: ValidatedDefinition, events: list[Event]) -> list[Event]:
    """`events` without those the trigger's `listens_to` declines."""
    trigger = get_trigger(definition.trigger_type.key)
    listens_to = getattr(trigger, "listens_to", None)
    if listens_to is None:
        return events
    return [event for event in events if listens_to(definition.trigger_config, event)]


def recent_events(definition: ValidatedDefinition, workflow: Workflow | None,
                  limit: int, who: Any = None) -> list[Event]:
    """The last `limit` events the draft's trigger would have received."""
    return listened(definition, list(events_for(definition, workflow, who)
                                     .defer("search_text")[:limit]))


def record_model(definition: ValidatedDefinition) -> str | None:
    """The model of the record the draft's trigger is about (`record.*`), or None."""
    field = definition.scope.fields().get(RECORD_ROOT)
    if field is None or not isinstance(field.type, Record):
        return None
    model = getattr(field.type, "model", None)
    return model if model and model != "*" and get_registration(model) else None


def records_named(definition: ValidatedDefinition, text: str, who: Any = None) -> list[Any]:
    """Records of the draft's trigger model that `text` names (and `who` may see)."""
    model = record_model(definition)
    return find_records(model, text, who=who) if model else []


def event_for_record(definition: ValidatedDefinition, instance: Any) -> Event:
    """An event, built in memory (never saved), as the draft's trigger would record
    it for `instance` now. On `model.updated` the values before the change are the
    current ones: nothing "changed"."""
    registration = get_registration(f"{instance._meta.app_label}.{instance._meta.model_name}")
    assert registration is not None
    current = serialize_record(instance, registration.field_names)
    payload: dict[str, Any] = {RECORD_ROOT: current, f"{RECORD_ROOT}_label": str(instance)}
    if PREVIOUS_ROOT in definition.scope.fields():
        payload[PREVIOUS_ROOT] = dict(current)
    return Event(trigger_type=definition.trigger_type.key,
                 target=definition.trigger_type.target(definition.trigger_config),
                 payload=payload, summary=str(instance), record_model=registration.label,
                 record_pk=str(instance.pk), occurred_at=timezone.now())
