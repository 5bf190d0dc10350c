"""Values in a version comparison as people read them: a choice by its label
("Confirmed"), not its stored code ("confirmed").

`value_type_at(definition, path)` finds the type of the value at `path` where the
definition says it: a condition's "Compare with" (the type of the field it
tests), a step's input (its param's type, list items included), the fields a
`record.update` or `record.create` sets (the record's field types) and a
trigger's settings. `labelled(value, value_type)` swaps the codes of a closed set
of options for their labels; anything else is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine import step_registry, trigger_registry
from engine.definition import step_scopes, trigger_scope
from engine.scope import PathError, ScopeSchema
from engine.types import ArrayType, Record, ValueType

_TOKEN = re.compile(r"[^.\[\]]+|\[\d+\]")
_STEP_PATH = re.compile(r"^(.*steps\[\d+\])")
#: The param of record steps that maps a record's field names to their values.
FIELDS_PARAM = "fields"


def _tokens(path: str) -> list[str | int]:
    return [int(token[1:-1]) if token.startswith("[") else token
            for token in _TOKEN.findall(path)]


def _node(definition: Any, tokens: list[str | int]) -> Any:
    node = definition
    for token in tokens:
        if isinstance(token, int):
            node = node[token] if isinstance(node, list) and 0 <= token < len(node) else None
        else:
            node = node.get(token) if isinstance(node, Mapping) else None
    return node


def _scope_at(definition: Any, path: str) -> ScopeSchema | None:
    """The scope of the step that `path` is in, or the trigger's scope."""
    match = _STEP_PATH.match(path)
    if match:
        return step_scopes(definition).get(match.group(1))
    try:
        return trigger_scope(_node(definition, ["trigger"])).scope
    except Exception:  # an unfinished trigger: nothing to label with
        return None


def _lookup(scope: ScopeSchema | None, ref: object) -> ValueType | None:
    if scope is None or not isinstance(ref, str):
        return None
    try:
        return scope.lookup(ref).type
    except PathError:
        return None


def value_type_at(definition: Any, path: str) -> ValueType | None:
    """The type of the value at `path` in `definition`, where it can be told."""
    tokens = _tokens(path)
    # A condition's value (or an item of it): the type of the field it compares.
    for position in range(len(tokens) - 1, -1, -1):
        if tokens[position] == "value":
            leaf = _node(definition, tokens[:position])
            if isinstance(leaf, Mapping) and "ref" in leaf and "op" in leaf:
                # An item of a list (one_of, between) is labelled like the field.
                return _lookup(_scope_at(definition, path), leaf.get("ref"))
            break
    if len(tokens) >= 2 and tokens[0] == "trigger":
        trigger_class = trigger_registry.find(_node(definition, ["trigger", "type"]))
        for param in getattr(trigger_class, "config_params", ()):
            if param.name == tokens[1]:
                return param.type
        return None
    if "params" not in tokens:
        return None
    at = max(index for index, token in enumerate(tokens) if token == "params")
    if at + 1 >= len(tokens):
        return None
    step = _node(definition, tokens[:at])
    step_class = step_registry.find(step.get("type")) if isinstance(step, Mapping) else None
    param = step_class.param(str(tokens[at + 1])) if step_class is not None else None
    if param is None:
        return None
    rest = tokens[at + 2:]
    if param.name == FIELDS_PARAM and len(rest) == 1 and isinstance(step, Mapping):
        return _record_field_type(definition, path, step, str(rest[0]))
    value_type: ValueType | None = param.type
    for token in rest:
        value_type = value_type.item_type if (
            isinstance(token, int) and isinstance(value_type, ArrayType)) else None
        if value_type is None:
            return None
    return value_type


def _record_field_type(definition: Any, path: str, step: Mapping[str, Any],
                       name: str) -> ValueType | None:
    """The type of field `name` of the record a record step changes or creates."""
    params = step.get("params") if isinstance(step.get("params"), Mapping) else {}
    record = params.get("record")
    record_type = _lookup(_scope_at(definition, path), record.get("ref")) if isinstance(
        record, Mapping) else None
    if record_type is None and isinstance(params.get("model"), str):
        record_type = Record(params["model"])
    if not isinstance(record_type, Record):
        return None
    field = record_type.children().get(name)
    return field.type if field is not None else None


def labelled_at(definition: Any, path: str, value: Any) -> Any:
    """`value`, found at `path` of `definition`, with its option codes as labels."""
    if value is None or isinstance(value, Mapping):
        return value
    return labelled(value, value_type_at(definition, path))


def labelled(value: Any, value_type: ValueType | None) -> Any:
    """`value` with option codes replaced by their labels (lists item by item)."""
    if value_type is None or value is None:
        return value
    if isinstance(value, list):
        item_type = value_type.item_type if isinstance(value_type, ArrayType) else value_type
        return [labelled(item, item_type) for item in value]
    try:
        options = value_type.options()
    except Exception:  # options read from the database or a registry that changed
        return value
    if not options:
        return value
    for option, label in options:
        try:
            code = value_type.to_json(option)
        except (TypeError, ValueError):
            code = option
        if code == value and label:
            return label
    return value
