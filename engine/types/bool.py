"""Bool: true or false."""

from __future__ import annotations

from typing import Any

from engine.types.base import ValueType, type_registry

_TRUE_WORDS = {"true", "yes", "1", "on"}
_FALSE_WORDS = {"false", "no", "0", "off"}


@type_registry.register
class Bool(ValueType):
    """A yes/no value. Accepts JSON booleans and the words true/false/yes/no/1/0/on/off."""

    name = "Bool"
    label = "Yes / no"
    widget = "checkbox"

    def parse(self, raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in _TRUE_WORDS:
                return True
            if word in _FALSE_WORDS:
                return False
        raise self.error(raw, "expected true or false")

    def to_display(self, value: Any) -> str:
        if value is None:
            return ""
        return "yes" if value else "no"

    def options(self) -> list[tuple[Any, str]]:
        return [(True, "Yes"), (False, "No")]
