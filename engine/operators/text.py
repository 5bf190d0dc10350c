"""`contains not_contains starts_with ends_with` on text (case-insensitive)."""

from __future__ import annotations

from typing import Any

from engine.operators.base import EvalContext, Operator
from engine.types.base import ValueType
from engine.types.string import String


class _TextTest(Operator):
    """Tests on text take plain text, whatever the subtype: an Email "ends with"
    "@example.com", which is not an address itself."""

    def value_type(self, subject: ValueType) -> ValueType | None:
        return String()

    def check(self, haystack: str, needle: str) -> bool:
        raise NotImplementedError

    def test(self, subject_type: ValueType, subject: Any, value: Any,
             context: EvalContext) -> bool:
        if value is None:
            return self.unset_result
        return self.check(str(subject_type.comparable(subject)),
                          str(subject_type.comparable(value)))


@String.register_operator
class Contains(_TextTest):
    name = "contains"
    label = "contains"

    def check(self, haystack: str, needle: str) -> bool:
        return needle in haystack


@String.register_operator
class NotContains(_TextTest):
    name = "not_contains"
    label = "does not contain"
    unset_result = True

    def check(self, haystack: str, needle: str) -> bool:
        return needle not in haystack


@String.register_operator
class StartsWith(_TextTest):
    name = "starts_with"
    label = "starts with"

    def check(self, haystack: str, needle: str) -> bool:
        return haystack.startswith(needle)


@String.register_operator
class EndsWith(_TextTest):
    name = "ends_with"
    label = "ends with"

    def check(self, haystack: str, needle: str) -> bool:
        return haystack.endswith(needle)
