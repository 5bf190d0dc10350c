"""`is_set` and `is_not_set`, offered by every type."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.base import ValueType


@ValueType.register_operator
class IsSet(Operator):
    """Has a value: not null, not blank text, not an empty list."""

    name = "is_set"
    label = "is set"
    handles_unset = True

    def value_type(self, subject: ValueType) -> ValueType | None:
        return None

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return not subject_type.is_empty(subject)


@ValueType.register_operator
class IsNotSet(Operator):
    """Null, blank text or an empty list."""

    name = "is_not_set"
    label = "is not set"
    handles_unset = True

    def value_type(self, subject: ValueType) -> ValueType | None:
        return None

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return subject_type.is_empty(subject)
