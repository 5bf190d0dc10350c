"""Param types used by the built-in steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import DefinitionError, ValueParseError, join_path
from engine.steps import StepCheck
from engine.types import JSON, URL, ArrayType, Record, Text, ValueType
from engine.types.base import describe_raw
from engine.types.condition import ConditionTree

__all__ = ["AnyList", "AnyRecord", "ConditionTree", "URLTemplate", "not_runnable_yet"]


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


class AnyList(ValueType):
    """A list to go through (`for_each`'s `items`): a reference to any list (an
    order's lines, `payload.alerts`) or a literal JSON list. The item type is the
    list's item type (JSON for payload lists)."""

    name = "AnyList"
    label = "List"
    widget = "list_reference"
    placeholder = "payload.alerts"

    @property
    def spec(self) -> str:
        return "List"

    def parse(self, raw: object) -> Any:
        if not isinstance(raw, list | tuple):
            raise ValueParseError(f"{describe_raw(raw)} is not a list")
        return list(raw)

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, ArrayType | JSON)

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        return cls()

    @staticmethod
    def item_type(value_type: ValueType) -> ValueType:
        """The type of one item of a list of `value_type`."""
        if isinstance(value_type, ArrayType):
            return value_type.item_type
        return JSON()


def not_runnable_yet(step: StepCheck, key: str) -> list[DefinitionError]:
    """The save-time error of a flow step whose execution this version lacks: it can
    be drafted in the builder but not saved, so no saved workflow fails on it."""
    return [DefinitionError(join_path(step.path, "type"),
                            f'"{key}" steps cannot run in this version yet; remove the step '
                            "to save the workflow")]
