"""JSON whose shape is learned from a sample (a webhook's sample payload).

`shape_of(sample)` reads a sample JSON document into types: text is `String`
(shown as "Text"), numbers `Number`, true/false `Bool`, objects a `JSONObject`
whose fields are the sample's keys, lists of one kind of item a list of that
item (`Number[]`, a list of objects...). Anything else (null, an empty list, a
list of mixed items) stays free-form `JSON`.

A `JSONObject` is still JSON (it compares and is sent as JSON data), but only the
fields of the sample are paths into it: `payload.alert.severity` is Text when the
sample had text there, and `payload.alert.severty` is refused when the workflow
is saved, as any unknown reference is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.bool import Bool
from engine.types.json import JSON
from engine.types.number import Number
from engine.types.string import String

if TYPE_CHECKING:
    from engine.scope import ScopeField

#: A key of the sample that can be a segment of a reference path.
KEY_RE = re.compile(r"^[A-Za-z0-9_]{1,100}$")
#: Deeper than this, the sample's values stay free-form JSON.
MAX_SHAPE_DEPTH = 10
#: At most this many fields are learned from one sample.
MAX_SHAPE_FIELDS = 500
#: At most this many characters of JSON in a sample.
MAX_SAMPLE_CHARS = 64 * 1024


class JSONObject(JSON):
    """A JSON object with known fields (learned from a sample)."""

    label = "Object"
    open_paths: ClassVar[bool] = False

    def __init__(self, fields: list[ScopeField] | tuple[ScopeField, ...] = ()) -> None:
        self._fields: dict[str, ScopeField] = {field.name: field for field in fields}

    @property
    def spec(self) -> str:
        return "JSON object"

    def child(self, name: str) -> ScopeField | None:
        return self._fields.get(name)

    def children(self) -> Mapping[str, ScopeField]:
        return dict(self._fields)


class JSONList(ArrayType):
    """A list learned from a sample: its items are paths by position
    (`payload.items.0.sku`), typed as the sample's items."""

    def child(self, name: str) -> ScopeField | None:
        from engine.scope import ScopeField

        if not name.isdigit() or len(name) > 6:
            return None
        return ScopeField(name, self.item_type, f"Item {int(name) + 1}")


def sample_problem(sample: object) -> str | None:
    """Why `sample` cannot be a sample payload, or None."""
    if not isinstance(sample, dict | list):
        return "paste a JSON object such as {\"alert\": {\"severity\": \"critical\"}}"
    try:
        size = len(json.dumps(sample))
    except (TypeError, ValueError):
        return "is not JSON data"
    if size > MAX_SAMPLE_CHARS:
        return (f"the sample has {size:,} characters; at most {MAX_SAMPLE_CHARS:,} are "
                "kept (leave out long lists)")
    return None


def shape_of(sample: object) -> ValueType:
    """The type of `sample` (see the module docstring)."""
    return _Shaper().shape(sample, 0)


class _Shaper:
    def __init__(self) -> None:
        self.fields = 0

    def shape(self, value: object, depth: int) -> ValueType:
        if isinstance(value, bool):
            return Bool()
        if isinstance(value, int | float):
            return Number()
        if isinstance(value, str):
            return String()
        if depth >= MAX_SHAPE_DEPTH:
            return JSON()
        if isinstance(value, dict):
            return self.shape_object([value], depth)
        if isinstance(value, list):
            return self.shape_list(value, depth)
        return JSON()

    def shape_object(self, samples: list[dict[str, Any]], depth: int) -> ValueType:
        from engine.scope import ScopeField

        merged: dict[str, list[Any]] = {}
        for sample in samples:
            for key, value in sample.items():
                if isinstance(key, str) and KEY_RE.match(key):
                    merged.setdefault(key, []).append(value)
        fields = []
        for key, values in merged.items():
            if self.fields >= MAX_SHAPE_FIELDS:
                break
            self.fields += 1
            known = [value for value in values if value is not None]
            fields.append(ScopeField(key, self.shape_many(known, depth + 1) if known else JSON(),
                                     _label(key)))
        return JSONObject(fields)

    def shape_many(self, values: list[Any], depth: int) -> ValueType:
        """One type for several sample values of the same place."""
        if all(isinstance(value, dict) for value in values):
            return self.shape_object(values, depth) if depth < MAX_SHAPE_DEPTH else JSON()
        kinds = {_kind(value) for value in values}
        if len(kinds) != 1:
            return JSON()
        if kinds == {"list"}:
            return self.shape_list([item for value in values for item in value], depth)
        return self.shape(values[0], depth)

    def shape_list(self, items: list[Any], depth: int) -> ValueType:
        known = [item for item in items if item is not None]
        if not known or isinstance(known[0], list):
            return JSON()
        item_type = self.shape_many(known, depth)
        if type(item_type) is JSON:
            return JSON()
        return JSONList(item_type)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "other"


def _label(key: str) -> str:
    """`due_at` -> "Due at", `customerId` -> "Customer id"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").strip()
    return (spaced[:1].upper() + spaced[1:].lower()) if spaced else key
