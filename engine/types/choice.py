"""Choice: one value out of a fixed list of options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw, type_registry


@type_registry.register
class Choice(ValueType):
    """One of a closed set of options, e.g. an order status.

    Values are compared exactly (they are keys such as "submitted"); labels are for
    people. `Choice(options=[("new", "New"), ("paid", "Paid")])`.
    """

    name = "Choice"
    label = "Choice"
    widget = "select"

    def __init__(self, options: Sequence[tuple[Any, str]] | Sequence[Any] = ()) -> None:
        normalised: list[tuple[Any, str]] = []
        for option in options:
            if isinstance(option, tuple | list) and len(option) == 2:
                normalised.append((option[0], str(option[1])))
            else:
                normalised.append((option, str(option)))
        self._options = normalised
        self._values = [value for value, _ in normalised]

    @property
    def spec(self) -> str:
        return "Choice[" + ",".join(str(value) for value in self._values) + "]"

    def parse(self, raw: object) -> Any:
        for value in self._values:
            if raw == value and type(raw) is type(value):
                return value
        for value in self._values:  # "2" for an integer option 2, and the reverse
            if not isinstance(raw, bool) and str(raw) == str(value):
                return value
        shown = ", ".join(describe_raw(value) for value in self._values[:20])
        raise ValueParseError(f"{describe_raw(raw)} is not one of the options: {shown}")

    def options(self) -> list[tuple[Any, str]]:
        return list(self._options)

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, Choice) and set(map(str, other._values)) <= set(
            map(str, self._values)
        )

    @classmethod
    def from_spec(cls, arguments: Mapping[str, Any]) -> ValueType:
        options = arguments.get("options")
        if not isinstance(options, list) or not options:
            raise ValueParseError('a Choice needs a non-empty list of "options"')
        parsed: list[tuple[Any, str]] = []
        for index, option in enumerate(options):
            if isinstance(option, dict) and "value" in option:
                value, label = option["value"], option.get("label", option["value"])
            else:
                value, label = option, option
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise ValueParseError(f"options[{index}]: an option must be text or a whole number")
            parsed.append((value, str(label)))
        return cls(parsed)
