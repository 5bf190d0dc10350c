"""StepList: a list of steps nested inside a step's param (the steps of a
`branch` path, of a `for_each`, of a `parallel` branch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw


class StepList(ValueType):
    """Steps written in place: a list of step objects, exactly as in a definition's
    top-level `steps` (`key`, `type`, `params`, optional `when`, `on_error`,
    `retry`, `label`).

    Parsing only checks the shape (a list of objects). The steps themselves are
    validated by the definition validator, recursively and in place: each nested
    step sees the scope at its place (the steps before it, on every level, and
    what the enclosing step adds, such as `item` in a `for_each`), and step keys
    are unique across the whole tree. Forms render a nested step editor.
    """

    name = "StepList"
    label = "Steps"
    widget = "steps"
    literal_objects = True
    accepts_references = False

    def __init__(self, *, min_items: int = 0) -> None:
        self.min_items = min_items

    def parse(self, raw: object) -> list[Mapping[str, Any]]:
        if not isinstance(raw, list):
            raise ValueParseError(f"{describe_raw(raw)} is not a list of steps")
        for index, item in enumerate(raw):
            if not isinstance(item, Mapping):
                raise ValueParseError(f"[{index}]: expected a step object, not "
                                      f"{describe_raw(item)}")
        if len(raw) < self.min_items:
            raise ValueParseError(f"needs at least {self.min_items} step(s)")
        return list(raw)

    def is_empty(self, value: Any) -> bool:
        return value is None or len(value) == 0
