"""Readable differences between two definitions.

`path_changes(old, new)` lists what changed, path by path, in the same path
syntax validation errors use (`steps[0].params.subject`); the compare page shows
each in words (`readable_path`): `Step 1, Send an e-mail > Subject: changed from
"A" to "B"`.
`unified_diff(old, new)` is the line diff of the pretty-printed JSON.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from engine.errors import join_path
from workflows_app.plain import place

MAX_SHOWN = 120


@dataclass(frozen=True)
class Change:
    """One difference: `kind` is "added", "removed" or "changed"."""

    path: str
    kind: str
    old: Any = None
    new: Any = None

    @property
    def old_text(self) -> str:
        return show_value(self.old)

    @property
    def new_text(self) -> str:
        return show_value(self.new)

    def __str__(self) -> str:
        where = self.path or "definition"
        if self.kind == "added":
            return f"{where}: added {self.new_text}"
        if self.kind == "removed":
            return f"{where}: removed (was {self.old_text})"
        return f"{where}: changed from {self.old_text} to {self.new_text}"


def show_value(value: Any) -> str:
    """A compact JSON rendering, cut to `MAX_SHOWN` characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def path_changes(old: Any, new: Any, path: str = "") -> list[Change]:
    """Every difference between `old` and `new`, deepest paths first reported in order."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in _ordered_keys(old, new):
            child = join_path(path, str(key))
            if key not in new:
                changes.append(Change(child, "removed", old=old[key]))
            elif key not in old:
                changes.append(Change(child, "added", new=new[key]))
            else:
                changes.extend(path_changes(old[key], new[key], child))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for index in range(max(len(old), len(new))):
            child = join_path(path, index)
            if index >= len(new):
                changes.append(Change(child, "removed", old=old[index]))
            elif index >= len(old):
                changes.append(Change(child, "added", new=new[index]))
            else:
                changes.extend(path_changes(old[index], new[index], child))
        return changes
    if _same(old, new):
        return []
    return [Change(path, "changed", old=old, new=new)]


def _same(old: Any, new: Any) -> bool:
    return (type(old) is type(new) and old == new) or (
        isinstance(old, int | float) and isinstance(new, int | float)
        and not isinstance(old, bool) and not isinstance(new, bool) and old == new)


#: Reading order of the definition's own keys; other keys (params, config) follow A-Z.
#: Stored order cannot be used: PostgreSQL's jsonb does not keep it.
KEY_ORDER = ("schema_version", "name", "description", "trigger", "type", "conditions", "steps",
             "key", "label", "params", "when", "on_error", "retry", "ref", "op", "value")


def _ordered_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The keys of both, in reading order (KEY_ORDER first, then alphabetical)."""
    rank = {key: index for index, key in enumerate(KEY_ORDER)}
    return sorted({*old, *new}, key=lambda key: (rank.get(key, len(rank)), key))


def readable_path(path: str, definition: Any) -> str:
    """Where `path` is, in words ("Step 1, Send an e-mail > Subject"): see
    `workflows_app.plain.place`."""
    return place(definition, path)


def pretty(definition: Any) -> str:
    return json.dumps(definition, indent=2, ensure_ascii=False, sort_keys=True)


def unified_diff(old: Any, new: Any, *, old_name: str = "old", new_name: str = "new"
                 ) -> list[str]:
    """The line diff of the pretty-printed definitions (keys sorted)."""
    return list(difflib.unified_diff(pretty(old).splitlines(), pretty(new).splitlines(),
                                     fromfile=old_name, tofile=new_name, lineterm=""))
