"""Samples of a webhook's payload made from requests it received: the body with
the values of secret-looking keys blanked and long lists cut, small enough to
keep in the workflow's definition as its trigger's `sample`."""

from __future__ import annotations

from typing import Any

from engine.types import sample_problem
from workflows_app.execution.redaction import SECRET_KEY_RE

#: Items of a list kept in a sample (enough to learn the items' fields).
LIST_ITEMS = 3


def sample_from(body: Any) -> Any:
    """A sample made from a received `body`, or None when it cannot be one (not an
    object or a list, or too large even with lists cut)."""
    if not isinstance(body, dict | list):
        return None
    sample = _cut(body, None)
    return None if sample_problem(sample) else sample


def _cut(node: Any, key: str | None) -> Any:
    if key is not None and SECRET_KEY_RE.search(key):
        return _blank(node)
    if isinstance(node, dict):
        return {str(name): _cut(value, str(name)) for name, value in node.items()}
    if isinstance(node, list):
        return [_cut(item, None) for item in node[:LIST_ITEMS]]
    return node


def _blank(node: Any) -> Any:
    """A value of the same kind that says nothing: "" for text, 0 for numbers."""
    if isinstance(node, bool):
        return False
    if isinstance(node, int | float):
        return 0
    if isinstance(node, str):
        return ""
    if isinstance(node, dict):
        return {str(name): _blank(value) for name, value in node.items()}
    if isinstance(node, list):
        return [_blank(item) for item in node[:LIST_ITEMS]]
    return None
