"""Arrays of any type (`Email[]`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw


class ArrayType(ValueType):
    """A list whose items are all of `item_type`; written `Item[]` (e.g. `Email[]`).

    Not registered by name: `parse_type_spec("Email[]")` builds one. Items are
    parsed one by one (a null item is refused like any other value the item type
    does not read) and an error names the index (`[2]: ...`).
    """

    name = "Array"
    label = "List"
    widget = "list"

    def __init__(self, item_type: ValueType, *, min_items: int = 0,
                 max_items: int | None = None) -> None:
        self.item_type = item_type
        self.min_items = min_items
        self.max_items = max_items

    @property
    def spec(self) -> str:
        return f"{self.item_type.spec}[]"

    def parse(self, raw: object) -> list[Any]:
        if not isinstance(raw, list | tuple):
            raise ValueParseError(f"{describe_raw(raw)} is not a list of {self.item_type.spec}")
        if len(raw) < self.min_items or (self.max_items is not None and len(raw) > self.max_items):
            if self.min_items == self.max_items:
                expected = f"exactly {self.min_items}"
            elif self.max_items is None:
                expected = f"at least {self.min_items}"
            else:
                expected = f"{self.min_items} to {self.max_items}"
            raise ValueParseError(f"expected {expected} items, got {len(raw)}")
        items = []
        for index, item in enumerate(raw):
            try:
                items.append(self.item_type.parse(item))
            except ValueParseError as exc:
                raise ValueParseError(f"[{index}]: {exc.reason}") from None
        return items

    def to_json(self, value: Any) -> Any:
        if value is None:
            return None
        return [self.item_type.to_json(item) for item in value]

    def to_display(self, value: Any) -> str:
        if value is None:
            return ""
        return ", ".join(self.item_type.to_display(item) for item in value)

    def is_empty(self, value: Any) -> bool:
        return value is None or len(value) == 0

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, ArrayType) and self.item_type.accepts(other.item_type)

    def input_spec(self) -> dict[str, Any]:
        spec = self.item_type.input_spec()
        spec["multiple"] = True
        return spec

    def options(self) -> list[tuple[Any, str]] | None:
        return self.item_type.options()

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        raise ValueParseError('write arrays as "Item[]", e.g. "Email[]"')
