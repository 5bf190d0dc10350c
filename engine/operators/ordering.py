"""`gt gte lt lte between`, offered by Number and Duration (and `between` by DateTime)."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.datetime import DateTime
from engine.types.duration import Duration
from engine.types.number import Number


class _Comparison(Operator):
    def compare(self, left: Any, right: Any) -> bool:
        raise NotImplementedError

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        if value is None:
            return False
        return self.compare(subject_type.comparable(subject), subject_type.comparable(value))


@Number.register_operator
@Duration.register_operator
class GreaterThan(_Comparison):
    name = "gt"
    label = "is greater than"

    def compare(self, left: Any, right: Any) -> bool:
        return left > right


@Number.register_operator
@Duration.register_operator
class GreaterThanOrEqual(_Comparison):
    name = "gte"
    label = "is at least"

    def compare(self, left: Any, right: Any) -> bool:
        return left >= right


@Number.register_operator
@Duration.register_operator
class LessThan(_Comparison):
    name = "lt"
    label = "is less than"

    def compare(self, left: Any, right: Any) -> bool:
        return left < right


@Number.register_operator
@Duration.register_operator
class LessThanOrEqual(_Comparison):
    name = "lte"
    label = "is at most"

    def compare(self, left: Any, right: Any) -> bool:
        return left <= right


@Number.register_operator
@Duration.register_operator
@DateTime.register_operator
class Between(Operator):
    """Inclusive on both ends: `[low, high]`; the bounds may be given in either order."""

    name = "between"
    label = "is between"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return ArrayType(subject, min_items=2, max_items=2)

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        if not value or any(bound is None for bound in value):
            return False
        low, high = sorted(subject_type.comparable(bound) for bound in value)
        return low <= subject_type.comparable(subject) <= high
