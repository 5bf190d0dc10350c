"""`before after within_last older_than` on DateTime."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.base import ValueType
from engine.types.datetime import DateTime
from engine.types.duration import Duration


@DateTime.register_operator
class Before(Operator):
    name = "before"
    label = "is before"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return value is not None and subject < value


@DateTime.register_operator
class After(Operator):
    name = "after"
    label = "is after"

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return value is not None and subject > value


@DateTime.register_operator
class WithinLast(Operator):
    """Between `now - duration` and `now`, both inclusive (a future moment is not)."""

    name = "within_last"
    label = "is within the last"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return Duration()

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return value is not None and context.now - value <= subject <= context.now


@DateTime.register_operator
class OlderThan(Operator):
    """Strictly earlier than `now - duration`."""

    name = "older_than"
    label = "is older than"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return Duration()

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return value is not None and subject < context.now - value
