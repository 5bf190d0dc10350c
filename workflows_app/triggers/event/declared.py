"""Declared events: the names and typed data of the events host code emits (the
`event` trigger). Use them through `workflows_app.events`; see docs/events.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine import Registry, ScopeField
from engine.types import JSON, ValueType, parse_type_spec, sample_problem, shape_of

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
    field is required by `emit` unless declared with `"required": False`. A JSON
    field may carry a `"sample"` (`{"type": "JSON", "sample": {"carrier": "DHL"}}`):
    its fields are then typed paths (`data.parcel.carrier` is Text), offered in the
    builder and checked when a workflow is saved.
    """
    if not EVENT_NAME.match(name):
        raise ValueError(f'"{name}" is not an event name such as "payment.received"')
    fields: dict[str, ScopeField] = {}
    optional: set[str] = set()
    for field_name, spec in (data or {}).items():
        value_type = spec if isinstance(spec, ValueType) else parse_type_spec(spec)
        if isinstance(spec, Mapping) and "sample" in spec:
            value_type = _sampled(name, field_name, value_type, spec["sample"])
        field_label = field_name.replace("_", " ").capitalize()
        if isinstance(spec, Mapping):
            field_label = str(spec.get("label") or field_label)
            if spec.get("required", True) is False:
                optional.add(field_name)
        fields[field_name] = ScopeField(field_name, value_type, field_label)
    declared = DeclaredEvent(name, label or name, description, fields, frozenset(optional))
    event_registry.register(declared)
    return declared


def _sampled(event: str, field_name: str, value_type: ValueType, sample: object) -> ValueType:
    """A JSON field's type learned from its declared `sample` (its fields typed)."""
    if not isinstance(value_type, JSON):
        raise ValueError(f'{event}: "{field_name}" has a sample but is not JSON')
    problem = sample_problem(sample)
    if problem:
        raise ValueError(f'{event}: the sample of "{field_name}": {problem}')
    return shape_of(sample)


def get_declared_event(name: str) -> DeclaredEvent | None:
    return event_registry.find(name)


def declared_event_choices() -> list[tuple[str, str]]:
    return [(declared.name, declared.label) for declared in event_registry.values()]
