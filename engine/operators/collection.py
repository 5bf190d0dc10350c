"""`contains` / `not_contains` on lists and JSON."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.json import JSON


class _ItemTest(Operator):
    def value_type(self, subject: ValueType) -> ValueType | None:
        if isinstance(subject, ArrayType):
            return subject.item_type
        return subject

    def has_item(self, subject_type: ValueType, subject: Any, value: Any) -> bool:
        if isinstance(subject_type, ArrayType):
            item_type = subject_type.item_type
            wanted = item_type.comparable(value)
            return any(item_type.comparable(item) == wanted for item in subject)
        if isinstance(subject, dict):
            return isinstance(value, str) and value in subject
        if isinstance(subject, list):
            return value in subject
        if isinstance(subject, str) and isinstance(value, str):
            return value in subject
        return False


@ArrayType.register_operator
@JSON.register_operator
class ItemContains(_ItemTest):
    """A list holds the item; a JSON object has the key; JSON text holds the text."""

    name = "contains"
    label = "contains"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return self.has_item(subject_type, subject, value)


@ArrayType.register_operator
@JSON.register_operator
class ItemNotContains(_ItemTest):
    name = "not_contains"
    label = "does not contain"
    unset_result = True

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return not self.has_item(subject_type, subject, value)
