"""Secrets never reach the run history: redact them from recorded inputs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_KEY_RE = re.compile(
    r"(authorization|secret|token|password|passwd|api[-_]?key|signature|cookie|credential)",
    re.IGNORECASE)


def redact(value: Any, *, secret_names: Iterable[str] = ()) -> Any:
    """A copy of `value` with secret params and secret-looking keys replaced."""
    secret = set(secret_names)

    def visit(node: Any, key: str | None = None) -> Any:
        if key is not None and (key in secret or SECRET_KEY_RE.search(key)):
            return REDACTED if node not in (None, "") else node
        if isinstance(node, Mapping):
            return {str(k): visit(v, str(k)) for k, v in node.items()}
        if isinstance(node, list | tuple):
            return [visit(item) for item in node]
        return node

    if isinstance(value, Mapping):
        return {str(k): visit(v, str(k)) for k, v in value.items()}
    return visit(value)


def secret_values(value: Any, *, secret_names: Iterable[str] = ()) -> list[Any]:
    """The values `redact` would hide (secret params, values under secret-looking
    keys such as an `Authorization` header), to remove from error text too."""
    secret = set(secret_names)
    found: list[Any] = []

    def visit(node: Any, key: str | None = None) -> None:
        if key is not None and (key in secret or SECRET_KEY_RE.search(key)):
            found.extend(_leaves(node))
        elif isinstance(node, Mapping):
            for k, v in node.items():
                visit(v, str(k))
        elif isinstance(node, list | tuple):
            for item in node:
                visit(item)

    visit(value)
    return found


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return [leaf for item in node.values() for leaf in _leaves(item)]
    if isinstance(node, list | tuple):
        return [leaf for item in node for leaf in _leaves(item)]
    return [node]


def redact_text(text: str, secrets: Iterable[Any]) -> str:
    """Remove known secret values from free text (an error message, say)."""
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
