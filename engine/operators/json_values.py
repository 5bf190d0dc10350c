"""Comparisons on free-form JSON values (webhook payloads): numbers and text.

A JSON value is compared as a number when it reads as one (`12`, `12.5`, `"12.50"`)
and as text otherwise; a value that is neither (an object, a list, `true`) makes
the comparison false. The operators are the ordering and text operators with the
subject read this way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.errors import ValueParseError
from engine.operators.base import EvalContext, Operator
from engine.operators.ordering import (
    Between,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from engine.operators.text import EndsWith, StartsWith
from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.json import JSON
from engine.types.number import Number


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Number().parse(value)
    except ValueParseError:
        return None


class _ReadAsNumber:
    """Mixin over an ordering operator: the value is a Number, the subject read as one."""

    def value_type(self, subject: ValueType) -> ValueType | None:
        return Number()

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        number = _as_number(subject)
        return number is not None and value is not None and self.compare(number, value)  # type: ignore[attr-defined]


@JSON.register_operator
class JsonGreaterThan(_ReadAsNumber, GreaterThan):
    pass


@JSON.register_operator
class JsonGreaterThanOrEqual(_ReadAsNumber, GreaterThanOrEqual):
    pass


@JSON.register_operator
class JsonLessThan(_ReadAsNumber, LessThan):
    pass


@JSON.register_operator
class JsonLessThanOrEqual(_ReadAsNumber, LessThanOrEqual):
    pass


@JSON.register_operator
class JsonBetween(Between):
    def value_type(self, subject: ValueType) -> ValueType | None:
        return ArrayType(Number(), min_items=2, max_items=2)

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        number = _as_number(subject)
        if number is None or not value:
            return False
        low, high = sorted(value)
        return low <= number <= high


class _ReadAsText:
    """Mixin over a text operator: only text and numbers are compared, ignoring case."""

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        if not isinstance(subject, str | int | float) or isinstance(subject, bool):
            return False
        return self.check(str(subject).strip().casefold(), str(value).strip().casefold())  # type: ignore[attr-defined]


@JSON.register_operator
class JsonStartsWith(_ReadAsText, StartsWith):
    pass


@JSON.register_operator
class JsonEndsWith(_ReadAsText, EndsWith):
    pass


@JSON.register_operator
class JsonOneOf(Operator):
    """Equal (as JSON) to one of the listed values."""

    name = "one_of"
    label = "is one of"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return ArrayType(JSON(), min_items=1)

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        return any(subject == item and type(subject) is type(item) for item in value or ())
