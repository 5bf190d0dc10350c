"""`eq` and `ne`, offered by every type."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.base import ValueType


@ValueType.register_operator
class Equals(Operator):
    """Equal, in the type's comparable form (case-insensitive for text)."""

    name = "eq"
    label = "is"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return subject_type.comparable(subject) == subject_type.comparable(value)


@ValueType.register_operator
class NotEquals(Operator):
    """The exact opposite of `eq`: an unset value "is not" anything."""

    name = "ne"
    label = "is not"
    unset_result = True

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return subject_type.comparable(subject) != subject_type.comparable(value)
