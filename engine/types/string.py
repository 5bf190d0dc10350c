"""String: a single line of text."""

from __future__ import annotations

from typing import Any

from engine.types.base import ValueType, type_registry


@type_registry.register
class String(ValueType):
    """A line of text. Comparisons ignore case (`casefold`) and surrounding spaces:
    staff who write "acme" expect it to match "ACME Ltd "."""

    name = "String"
    label = "Text"
    max_length = 10_000

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise self.error(raw, "expected text")
        if len(raw) > self.max_length:
            raise self.error(raw, f"longer than {self.max_length} characters")
        return raw

    def comparable(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip().casefold()
        return value

    def is_empty(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())
