"""Param types used by the built-in steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValueParseError
from engine.types import URL, Record, Text, ValueType
from engine.types.base import describe_raw


class AnyRecord(Record):
    """A record of any registered model (the model is known from the reference)."""

    name = "AnyRecord"
    label = "Record"

    def __init__(self) -> None:
        super().__init__("*")

    @property
    def spec(self) -> str:
        return "Record"

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, Record)

    def child(self, name: str):  # type: ignore[no-untyped-def]
        return None

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        return cls()


class URLTemplate(Text):
    """A URL in which `{{ path }}` placeholders may be filled in. Without
    placeholders it must be a valid URL when saved; with them it is checked again
    after rendering, when the step runs."""

    name = "URLTemplate"
    label = "Web address (with variables)"
    widget = "url"
    placeholder = "https://example.com/orders/{{ record.id }}"

    def parse(self, raw: object) -> str:
        text = super().parse(raw)
        if "{{" not in text:
            URL().parse(text)
        return text


class ConditionTree(ValueType):
    """A condition tree as a param (the `filter` step); checked by the step against
    the scope at its place in the workflow."""

    name = "Condition"
    label = "Condition"
    widget = "condition"
    literal_objects = True
    # A single leaf, {"ref": ..., "op": ...}, is a condition here, not a reference.
    accepts_references = False

    def parse(self, raw: object) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueParseError(f"{describe_raw(raw)} is not a condition object")
        return raw
