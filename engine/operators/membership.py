"""`one_of` and `not_one_of`: the value is (not) in a list."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.choice import Choice
from engine.types.number import Number
from engine.types.record import Record
from engine.types.string import String


class _Membership(Operator):
    def value_type(self, subject: ValueType) -> ValueType | None:
        return ArrayType(subject, min_items=1)

    def contained(self, subject_type: ValueType, subject: Any, value: Any) -> bool:
        wanted = subject_type.comparable(subject)
        return any(subject_type.comparable(item) == wanted for item in value or ())


@Number.register_operator
@String.register_operator
@Choice.register_operator
@Record.register_operator
class OneOf(_Membership):
    name = "one_of"
    label = "is one of"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return self.contained(subject_type, subject, value)


@Number.register_operator
@String.register_operator
@Choice.register_operator
@Record.register_operator
class NotOneOf(_Membership):
    name = "not_one_of"
    label = "is not one of"
    unset_result = True

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return not self.contained(subject_type, subject, value)
