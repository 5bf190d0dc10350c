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
your code, not later in a worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine import Registry, ScopeField
from engine.types import ValueType, parse_type_spec

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class DeclaredEvent:
    """A named event and the typed data it carries."""

    name: str
    label: str
    description: str = ""
    fields: Mapping[str, ScopeField] = field(default_factory=dict)


event_registry: Registry[DeclaredEvent] = Registry("event", key_attribute="name")


def declare_event(name: str, *, data: Mapping[str, str | ValueType | Mapping] | None = None,
                  label: str = "", description: str = "") -> DeclaredEvent:
    """Declare `name` ("payment.received") with its typed `data` fields."""
    if not EVENT_NAME.match(name):
        raise ValueError(f'"{name}" is not an event name such as "payment.received"')
    fields: dict[str, ScopeField] = {}
    for field_name, spec in (data or {}).items():
        value_type = spec if isinstance(spec, ValueType) else parse_type_spec(spec)
        fields[field_name] = ScopeField(field_name, value_type,
                                        field_name.replace("_", " ").capitalize())
    declared = DeclaredEvent(name, label or name, description, fields)
    event_registry.register(declared)
    return declared


def get_declared_event(name: str) -> DeclaredEvent | None:
    return event_registry.find(name)


def declared_event_choices() -> list[tuple[str, str]]:
    return [(declared.name, declared.label) for declared in event_registry.values()]
