"""Scopes: the named, typed references a trigger provides to a workflow.

A *scope schema* (`ScopeSchema`) says which paths exist and their types; it is
what definitions are type-checked against. *Scope values* are plain mappings (and
`RecordValue`s) that the same paths are resolved in when a workflow runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import EngineError
from engine.types.base import ValueType
from engine.types.object import ObjectType
from engine.types.record import is_record_value

#: Marks a field (a `steps.<key>` of a step nested in a `branch`, say) whose value
#: may be missing because that step may not have run; its value names the
#: enclosing step.
MAY_BE_MISSING = "may_be_missing"
#: The root under which the snapshots of live roots are offered (`trigger.record`).
LIVE_SNAPSHOT_ROOT = "trigger"
PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$")
MAX_PATH_SEGMENTS = 12


@dataclass(frozen=True)
class ScopeField:
    """One named, typed, labelled reference (`total_amount: Number "Total"`)."""

    name: str
    type: ValueType
    label: str = ""
    help: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


class PathError(EngineError):
    """A path does not exist in a scope schema; the message says which part."""


class ScopeSchema:
    """The typed paths available to a workflow, rooted in an `ObjectType`.

    `before_change` says which roots have a twin holding their values from before
    the change that caused the event: `{"record": "previous"}` makes
    `previous.status` the value of `record.status` before the save, which the
    `changed*` operators compare with. A trigger declares it in its `scope()`;
    nothing else in the engine knows any root by name.

    `live` names the roots that hold a record which steps see as it is when they
    run (read again after a wait), each with the label of its snapshot from when
    the event happened: `{"record": "Order when it happened"}`. The definition's
    scope then also offers that snapshot as `trigger.<root>` (`LIVE_SNAPSHOT_ROOT`).
    """

    def __init__(self, fields: Iterable[ScopeField] = (), *,
                 before_change: Mapping[str, str] | None = None,
                 live: Mapping[str, str] | None = None) -> None:
        self.root = ObjectType(fields, type_name="Scope")
        self.before_change: dict[str, str] = dict(before_change or {})
        self.live: dict[str, str] = dict(live or {})

    def with_field(self, new_field: ScopeField) -> ScopeSchema:
        schema = ScopeSchema(before_change=self.before_change, live=self.live)
        schema.root = self.root.with_field(new_field)
        return schema

    def previous_path(self, path: str) -> str | None:
        """Where the value of `path` before the change lives (`record.status` ->
        `previous.status`), or None when the scope keeps no earlier value for it."""
        head, _, rest = path.partition(".")
        twin = self.before_change.get(head)
        if twin is None or not rest:
            return None
        previous = f"{twin}.{rest}"
        return previous if self.contains(previous) else None

    def lookup(self, path: object) -> ScopeField:
        """Return the field at `path` or raise `PathError` naming the missing part."""
        if not isinstance(path, str) or not PATH_RE.match(path):
            raise PathError(f"{_show(path)} is not a reference path such as record.total_amount")
        segments = path.split(".")
        if len(segments) > MAX_PATH_SEGMENTS:
            raise PathError(f'"{path}" is deeper than {MAX_PATH_SEGMENTS} levels')
        current: ValueType = self.root
        found: ScopeField | None = None
        for index, segment in enumerate(segments):
            found = current.child(segment)
            if found is None:
                where = ".".join(segments[:index])
                if where:
                    raise PathError(f'"{path}" is not in scope: {where} ({current.spec}) has '
                                    f'no "{segment}"')
                roots = ", ".join(sorted(self.root.children())) or "nothing"
                raise PathError(f'"{path}" is not in scope (available: {roots})')
            current = found.type
        assert found is not None
        return found

    def may_be_missing(self, path: str) -> str | None:
        """The key of the step whose nested steps `path` comes from when it may be
        missing (a step inside a `branch` path that was not taken), else None."""
        current: ValueType = self.root
        for segment in path.split(".") if isinstance(path, str) else []:
            found = current.child(segment)
            if found is None:
                return None
            if found.extra.get(MAY_BE_MISSING):
                return str(found.extra[MAY_BE_MISSING])
            current = found.type
        return None

    def contains(self, path: str) -> bool:
        try:
            self.lookup(path)
        except PathError:
            return False
        return True

    def walk(self, max_depth: int = 3) -> Iterator[tuple[str, ScopeField]]:
        """Every declared path down to `max_depth` levels, for pickers."""
        def visit(prefix: str, node: ValueType, depth: int) -> Iterator[tuple[str, ScopeField]]:
            for name, child in node.children().items():
                path = f"{prefix}.{name}" if prefix else name
                yield path, child
                if depth + 1 < max_depth:
                    yield from visit(path, child.type, depth + 1)

        yield from visit("", self.root, 0)

    def fields(self) -> Mapping[str, ScopeField]:
        return self.root.children()


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value[:80]}"'
    return "a " + type(value).__name__ if value is not None else "null"


MISSING = object()


def resolve_path(values: Mapping[str, Any], path: str) -> Any:
    """Look `path` up in scope values; a missing part reads as None (unset).

    Only mappings and `RecordValue.scope_child` are followed: no attribute
    access on arbitrary objects, no calls.
    """
    current: Any = values
    for segment in path.split("."):
        if current is None:
            return None
        if isinstance(current, Mapping):
            current = current.get(segment)
        elif is_record_value(current):
            current = current.scope_child(segment)
        elif isinstance(current, list) and segment.isdigit():
            position = int(segment)
            current = current[position] if position < len(current) else None
        else:
            return None
    return current
