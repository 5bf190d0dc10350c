"""Value types of the workflow language, one per module, registered by name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.errors import ValueParseError
from engine.types.array import ArrayType
from engine.types.base import ValueType, describe_raw, type_registry
from engine.types.bool import Bool
from engine.types.choice import Choice
from engine.types.connection import Connection, ConnectionProvider, set_connection_provider
from engine.types.datetime import DateTime
from engine.types.duration import Duration
from engine.types.email import Email
from engine.types.json import JSON
from engine.types.json_shape import JSONObject, sample_problem, shape_of
from engine.types.number import Number
from engine.types.object import ObjectType
from engine.types.phone import Phone
from engine.types.record import (
    Record,
    RecordProvider,
    RecordValue,
    User,
    is_record_value,
    set_record_provider,
)
from engine.types.string import String
from engine.types.text import Text
from engine.types.url import URL

_RECORD_SPEC = re.compile(r"^Record\[([a-z0-9_]+\.[a-z0-9_]+)\]$")


def parse_type_spec(spec: object) -> ValueType:
    """Build a type from its declaration.

    Accepts a name (`"Number"`), an array (`"Email[]"`), a record
    (`"Record[demo.order]"`) or an object with arguments
    (`{"type": "Choice", "options": ["a", "b"]}`). Raises `ValueParseError`.
    """
    arguments: Mapping[str, Any] = {}
    if isinstance(spec, Mapping):
        arguments = spec
        spec = spec.get("type")
    if not isinstance(spec, str) or not spec:
        raise ValueParseError(f"{describe_raw(spec)} is not a type name")
    if spec.endswith("[]"):
        return ArrayType(parse_type_spec({**arguments, "type": spec[:-2]}))
    record_match = _RECORD_SPEC.match(spec)
    if record_match:
        return Record.from_spec({"model": record_match.group(1)})
    type_class = type_registry.find(spec)
    if type_class is None:
        known = ", ".join(type_registry.keys())
        raise ValueParseError(f'unknown type "{spec}" (known types: {known})')
    return type_class.from_spec(arguments)


__all__ = [
    "JSON",
    "URL",
    "ArrayType",
    "Bool",
    "Choice",
    "Connection",
    "ConnectionProvider",
    "DateTime",
    "Duration",
    "Email",
    "JSONObject",
    "Number",
    "ObjectType",
    "Phone",
    "Record",
    "RecordProvider",
    "RecordValue",
    "String",
    "Text",
    "User",
    "ValueType",
    "is_record_value",
    "parse_type_spec",
    "sample_problem",
    "set_connection_provider",
    "set_record_provider",
    "shape_of",
    "type_registry",
]

# Built-in operators register themselves on the types above.
import engine.operators  # noqa: E402, F401
