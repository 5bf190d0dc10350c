"""Condition: a condition tree written as a value (the `filter` step's `condition`,
a `branch` path's `when`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ValueParseError
from engine.types.base import ValueType, describe_raw


class ConditionTree(ValueType):
    """A condition tree (`{"all": [...]}`, a leaf `{"ref", "op", "value"}`) as a param.

    Parsing only checks the shape; the tree is type-checked against the scope at
    its place in the workflow by whoever declares the param (a step's `check`).
    """

    name = "Condition"
    label = "Condition"
    widget = "condition"
    literal_objects = True
    # A single leaf, {"ref": ..., "op": ...}, is a condition here, not a reference.
    accepts_references = False

    def parse(self, raw: object) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueParseError(f"{describe_raw(raw)} is not a condition object")
        return raw
