"""`emit`: the source of `event` events — host code reports that a declared event
happened, with its typed data. Use it through `workflows_app.events`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models

from engine.errors import ValueParseError
from engine.types import ArrayType, Record, User, ValueType
from workflows_app.execution.snapshot import json_value
from workflows_app.models import Event
from workflows_app.records import user_model_label
from workflows_app.triggers.base import stored_value
from workflows_app.triggers.event.declared import DeclaredEvent, event_registry, get_declared_event
from workflows_app.triggers.event.trigger import NamedEvent


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


def _model_label(instance: Any) -> str:
    meta = instance._meta
    return f"{meta.app_label}.{meta.model_name}"


def _record_model(value_type: Record) -> str:
    return user_model_label() if isinstance(value_type, User) else value_type.model


def _raw_value(event: str, name: str, value_type: ValueType, value: Any,
               instances: list[Any]) -> Any:
    """`value` as the type's JSON, with model instances for `Record` reduced to keys."""
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
    return stored_value(value_type, parsed)


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


def emit(name: str, /, **data: Any) -> Event:
    """Record that the declared event `name` happened, with its typed `data`.

    Call it inside the transaction of the change it reports: the event is written
    in that transaction (a rollback leaves no event) and workers are woken after
    the commit. `data` is checked against the declaration here, in your code:
    an undeclared event raises `UnknownEvent`, an unknown or missing key or a
    value of the wrong type raises `InvalidEventData` (naming the key and the
    reason). `Record` data may be model instances or primary keys; the key is
    stored. Returns the recorded `workflows_app.models.Event`.
    """
    declared, stored, instances = event_data(name, data)
    return NamedEvent.record_emitted(declared, stored, instances)
