"""Scope values for a run: the event's JSON, typed by the trigger's scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import ScopeSchema
from engine.types import ObjectType, Record, User, ValueType
from workflows_app.execution.live_records import snapshot_values
from workflows_app.execution.snapshot import LazyRecord, SnapshotRecord
from workflows_app.models import Event
from workflows_app.records import user_model_label


def hydrate(value_type: ValueType, raw: Any, *, label: str = "") -> Any:
    """Turn stored JSON into scope values: records become `SnapshotRecord`s (a dict
    of fields) or `LazyRecord`s (an id); groups are hydrated field by field."""
    if raw is None:
        return None
    if isinstance(value_type, Record):
        model = user_model_label() if isinstance(value_type, User) else value_type.model
        if isinstance(raw, Mapping):
            return SnapshotRecord(model, dict(raw), label)
        if isinstance(raw, int | str) and model != "*":
            return LazyRecord(model, raw)
        if isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], str):
            return LazyRecord(raw[0], raw[1])  # [model, pk] for records of any model
        return raw
    if isinstance(value_type, ObjectType) and isinstance(raw, Mapping):
        children = value_type.children()
        return {key: hydrate(children[key].type, value) if key in children else value
                for key, value in raw.items()}
    return raw


def event_values(event: Event, scope: ScopeSchema) -> dict[str, Any]:
    """The scope values of `event` for a workflow whose trigger built `scope`."""
    payload = event.payload or {}
    fields = scope.fields()
    values: dict[str, Any] = {}
    for name, raw in payload.items():
        field = fields.get(name)
        if field is None:
            continue
        # A record snapshot's text (`str(instance)`) is stored beside it as `<name>_label`.
        values[name] = hydrate(field.type, raw, label=str(payload.get(f"{name}_label") or ""))
    event_data: dict[str, Any] = {
        "id": event.pk,
        "type": event.trigger_type if not event.target else f"{event.trigger_type}:{event.target}",
        "occurred_at": event.occurred_at,
        "actor": LazyRecord(user_model_label(), event.actor_id) if event.actor_id else None,
    }
    if isinstance(payload.get("event"), Mapping):
        event_data.update(payload["event"])
    values["event"] = event_data
    return snapshot_values(values, scope)
