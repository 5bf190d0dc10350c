"""Named events that host code declares and emits (the `event` trigger).

Declare an event once, with typed data, e.g. in your `AppConfig.ready()`::

    from workflows_app.events import declare_event

    declare_event(
        "payment.received",
        label="A payment is received",
        data={"order": "Record[demo.order]", "amount": "Number", "method": "String"},
    )

then emit it where it happens (inside the same transaction as your change)::

    from workflows_app.events import emit

    emit("payment.received", order=payment.order, amount=payment.amount,
         method=payment.method)

The data is checked against the declaration when emitted, so a typo fails in
your code, not later in a worker (`InvalidEventData`, `UnknownEvent`). See
docs/events.md.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine import Registry, ScopeField
from engine.errors import ValueParseError
from engine.types import ArrayType, Record, ValueType, parse_type_spec

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class DeclaredEvent:
    """A named event and the typed data it carries."""

    name: str
    label: str
    description: str = ""
    fields: Mapping[str, ScopeField] = field(default_factory=dict)
    #: Fields that may be left out of `emit` (declared with `"required": False`).
    optional: frozenset[str] = frozenset()


event_registry: Registry[DeclaredEvent] = Registry("event", key_attribute="name")


def declare_event(name: str, *, data: Mapping[str, str | ValueType | Mapping] | None = None,
                  label: str = "", description: str = "") -> DeclaredEvent:
    """Declare `name` ("payment.received") with its typed `data` fields.

    A field is a type spec (`"Number"`, `"Record[demo.order]"`, a `ValueType`) or a
    mapping such as `{"type": "String", "required": False, "label": "Note"}`; every
    field is required by `emit` unless declared with `"required": False`.
    """
    if not EVENT_NAME.match(name):
        raise ValueError(f'"{name}" is not an event name such as "payment.received"')
    fields: dict[str, ScopeField] = {}
    optional: set[str] = set()
    for field_name, spec in (data or {}).items():
        value_type = spec if isinstance(spec, ValueType) else parse_type_spec(spec)
        field_label = field_name.replace("_", " ").capitalize()
        if isinstance(spec, Mapping):
            field_label = str(spec.get("label") or field_label)
            if spec.get("required", True) is False:
                optional.add(field_name)
        fields[field_name] = ScopeField(field_name, value_type, field_label)
    declared = DeclaredEvent(name, label or name, description, fields, frozenset(optional))
    event_registry.register(declared)
    return declared


def get_declared_event(name: str) -> DeclaredEvent | None:
    return event_registry.find(name)


def declared_event_choices() -> list[tuple[str, str]]:
    return [(declared.name, declared.label) for declared in event_registry.values()]


# -- emitting --------------------------------------------------------------------


class EmitError(ValueError):
    """`emit` was called with something the declaration does not allow."""


class UnknownEvent(EmitError, LookupError):
    """No event is declared under the name given to `emit`."""

    def __init__(self, name: str) -> None:
        self.event = name
        known = ", ".join(event_registry.keys()) or "none"
        super().__init__(f'No event is declared as "{name}" (declared events: {known}). '
                         "Declare it with workflows_app.events.declare_event().")


class InvalidEventData(EmitError, TypeError):
    """The data given to `emit` does not match the declaration: `field` says which
    key and `reason` why. A `ValueError` and a `TypeError`, so either catches it."""

    def __init__(self, event: str, field_name: str, reason: str) -> None:
        self.event = event
        self.field = field_name
        self.reason = reason
        super().__init__(f'emit("{event}"): {field_name}: {reason}')


def typed_json(value_type: ValueType, value: Any) -> Any:
    """A parsed value as stored JSON. Numbers are kept as decimal text ("1400.00"), the
    way record snapshots store them, so they read back exactly as given."""
    from workflows_app.execution.snapshot import json_value

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value_type, ArrayType) and isinstance(value, list):
        return [typed_json(value_type.item_type, item) for item in value]
    return json_value(value_type.to_json(value))


def _model_label(instance: Any) -> str:
    meta = instance._meta
    return f"{meta.app_label}.{meta.model_name}"


def _record_model(value_type: Record) -> str:
    from engine.types import User
    from workflows_app.records import user_model_label

    return user_model_label() if isinstance(value_type, User) else value_type.model


def _raw_value(event: str, name: str, value_type: ValueType, value: Any,
               instances: list[Any]) -> Any:
    """`value` as the type's JSON, with model instances for `Record` reduced to keys."""
    from django.db import models

    from workflows_app.execution.snapshot import json_value

    if isinstance(value_type, ArrayType) and isinstance(value, list | tuple):
        items = [_raw_value(event, f"{name}[{index}]", value_type.item_type, item, instances)
                 for index, item in enumerate(value)]
        try:
            value_type.parse(items)  # the list's own limits (min/max items)
        except ValueParseError as exc:
            raise InvalidEventData(event, name, exc.reason) from None
        return items
    if isinstance(value_type, Record):
        expected = _record_model(value_type)
        if isinstance(value, models.Model):
            if _model_label(value) != expected:
                raise InvalidEventData(
                    event, name, f"expected a record of {value_type.model_label} "
                                 f"({expected}), got a {_model_label(value)}")
            if value.pk is None:
                raise InvalidEventData(event, name, f"the {value_type.model_label} is not "
                                                    "saved yet (it has no primary key)")
            instances.append(value)
            return json_value(value.pk)
        if isinstance(value, uuid.UUID):
            value = str(value)
    try:
        parsed = value_type.parse(value)
    except ValueParseError as exc:
        raise InvalidEventData(event, name, exc.reason) from None
    return typed_json(value_type, parsed)


def event_data(name: str, data: Mapping[str, Any]) -> tuple[DeclaredEvent, dict[str, Any],
                                                            list[Any]]:
    """Check `data` against the declaration of event `name`.

    Returns the declaration, the data as JSON (records as primary keys) and the
    model instances that were given. Raises `UnknownEvent` or `InvalidEventData`.
    """
    declared = get_declared_event(name) if isinstance(name, str) else None
    if declared is None:
        raise UnknownEvent(str(name))
    for key in data:
        if key not in declared.fields:
            expected = ", ".join(declared.fields) or "no data"
            raise InvalidEventData(name, key, f"not declared for this event (declared: "
                                              f"{expected})")
    stored: dict[str, Any] = {}
    instances: list[Any] = []
    for key, scope_field in declared.fields.items():
        required = key not in declared.optional
        if key not in data:
            if required:
                raise InvalidEventData(name, key, f"missing (a {scope_field.type.spec} is "
                                                  "required)")
            stored[key] = None
            continue
        value = data[key]
        if value is None:
            if required:
                raise InvalidEventData(name, key, f"is None (a {scope_field.type.spec} is "
                                                  "required)")
            stored[key] = None
            continue
        stored[key] = _raw_value(name, key, scope_field.type, value, instances)
    return declared, stored, instances


def emit(name: str, /, **data: Any) -> Any:
    """Record that the declared event `name` happened, with its typed `data`.

    Call it inside the transaction of the change it reports: the event is written
    in that transaction (a rollback leaves no event) and workers are woken after
    the commit. `data` is checked against the declaration here, in your code:
    an undeclared event raises `UnknownEvent`, an unknown or missing key or a
    value of the wrong type raises `InvalidEventData` (naming the key and the
    reason). `Record` data may be model instances or primary keys; the key is
    stored. Returns the recorded `workflows_app.models.Event`.
    """
    from workflows_app.execution.recording import record_event

    declared, stored, instances = event_data(name, data)
    record_model, record_pk = "", ""
    for key, scope_field in declared.fields.items():
        if isinstance(scope_field.type, Record) and stored.get(key) is not None:
            record_model, record_pk = _record_model(scope_field.type), stored[key]
            break
    summary = declared.label
    if instances:
        summary += ": " + ", ".join(str(instance) for instance in instances[:3])
    return record_event(trigger_type="event", target=declared.name, payload={"data": stored},
                        summary=summary, record_model=record_model, record_pk=record_pk)
