"""JSON: any JSON value, with free-form sub-paths (for webhook payloads)."""

from __future__ import annotations

import json
import math
from typing import Any, ClassVar

from engine.types.base import ValueType, type_registry


def _check_json(raw: object, depth: int = 0) -> bool:
    if depth > 64:
        return False
    if raw is None or isinstance(raw, bool | int | str):
        return True
    if isinstance(raw, float):
        return math.isfinite(raw)
    if isinstance(raw, list):
        return all(_check_json(item, depth + 1) for item in raw)
    if isinstance(raw, dict):
        return all(isinstance(key, str) and _check_json(value, depth + 1)
                   for key, value in raw.items())
    return False


@type_registry.register
class JSON(ValueType):
    """Any JSON value. Paths into it (`payload.customer.id`) are allowed without
    declaration and are themselves JSON; a missing key reads as unset."""

    name = "JSON"
    label = "JSON"
    widget = "json"
    literal_objects = True
    placeholder = '{"key": "value"}'
    #: Whether any sub-path is allowed (free-form JSON) or only declared fields
    #: (`json_shape.JSONObject`, learned from a sample).
    open_paths: ClassVar[bool] = True

    def parse(self, raw: object) -> Any:
        if not _check_json(raw):
            raise self.error(raw, "is not JSON data (or nests deeper than 64 levels)")
        return raw

    def to_display(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def is_empty(self, value: Any) -> bool:
        return value is None or value in ("", [], {})

    def child(self, name: str):  # type: ignore[no-untyped-def]
        from engine.scope import ScopeField

        return ScopeField(name, JSON(), label=name)
