"""Comparisons on free-form JSON values (webhook payloads): numbers and text.

A JSON value is compared as a number when it reads as one (`12`, `12.5`, `"12.50"`)
and as text otherwise; a value that is neither (an object, a list, `true`) makes
the comparison false.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.errors import ValueParseError
from engine.operators.base import EvalContext, Operator
from engine.types.array import ArrayType
from engine.types.base import ValueType
from engine.types.json import JSON
from engine.types.number import Number
from engine.types.string import String


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Number().parse(value)
    except ValueParseError:
        return None


class _JsonNumberComparison(Operator):
    def value_type(self, subject: ValueType) -> ValueType | None:
        return Number()

    def compare(self, left: Decimal, right: Decimal) -> bool:
        raise NotImplementedError

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        number = _as_number(subject)
        return number is not None and value is not None and self.compare(number, value)


@JSON.register_operator
class JsonGreaterThan(_JsonNumberComparison):
    name = "gt"
    label = "is greater than"

    def compare(self, left: Decimal, right: Decimal) -> bool:
        return left > right


@JSON.register_operator
class JsonGreaterThanOrEqual(_JsonNumberComparison):
    name = "gte"
    label = "is at least"

    def compare(self, left: Decimal, right: Decimal) -> bool:
        return left >= right


@JSON.register_operator
class JsonLessThan(_JsonNumberComparison):
    name = "lt"
    label = "is less than"

    def compare(self, left: Decimal, right: Decimal) -> bool:
        return left < right


@JSON.register_operator
class JsonLessThanOrEqual(_JsonNumberComparison):
    name = "lte"
    label = "is at most"

    def compare(self, left: Decimal, right: Decimal) -> bool:
        return left <= right


@JSON.register_operator
class JsonBetween(Operator):
    name = "between"
    label = "is between"

    def value_type(self, subject: ValueType) -> ValueType | None:
        return ArrayType(Number(), min_items=2, max_items=2)

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        number = _as_number(subject)
        if number is None or not value:
            return False
        low, high = sorted(value)
        return low <= number <= high


class _JsonTextTest(Operator):
    def value_type(self, subject: ValueType) -> ValueType | None:
        return String()

    def check(self, haystack: str, needle: str) -> bool:
        raise NotImplementedError

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        if not isinstance(subject, str | int | float) or isinstance(subject, bool):
            return False
        return self.check(str(subject).strip().casefold(), str(value).strip().casefold())


@JSON.register_operator
class JsonStartsWith(_JsonTextTest):
    name = "starts_with"
    label = "starts with"

    def check(self, haystack: str, needle: str) -> bool:
        return haystack.startswith(needle)


@JSON.register_operator
class JsonEndsWith(_JsonTextTest):
    name = "ends_with"
    label = "ends with"

    def check(self, haystack: str, needle: str) -> bool:
        return haystack.endswith(needle)


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
