"""Size limits of the workflow language, and the checks that enforce them.

Hostile or careless input must never cost unbounded memory or time, nor reach
a database that cannot store it. The limits are plain numbers in `Limits`; the
engine asks `current_limits()` for them every time it checks something, and a
host (the Django app) installs a provider with `use_limits_provider` so the
numbers come from its settings without the engine importing them.

- `json_problem(value, ...)`: the first place where `value` is not plain,
  storable JSON (NUL characters and lone surrogates, which PostgreSQL cannot
  store; non-finite numbers; keys that are not text), nests too deep, or grows
  past a size. It walks iteratively, so even a million levels cannot exhaust
  Python's stack, and stops as soon as a limit is passed.
- `render_budget(max_bytes)`: a context in which template rendering is charged
  as it goes (`charge`), so expanding a large payload many times stops at the
  limit instead of after using gigabytes.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from engine.errors import EngineError, join_path


@dataclass(frozen=True)
class Limits:
    """The limits in force. Defaults are safe for a shared server."""

    #: Deepest nesting of objects and lists in a definition.
    definition_max_depth: int = 100
    #: Largest definition, counted as compact JSON text (UTF-8 bytes).
    definition_max_bytes: int = 1_048_576
    #: Most values in one list written in a definition (`one_of` choices, recipients).
    list_max_items: int = 1000
    #: Largest resolved inputs of one step (templates filled in), as JSON bytes.
    step_input_max_bytes: int = 1_048_576


_DEFAULT = Limits()
_provider: Callable[[], Limits] | None = None


def use_limits_provider(provider: Callable[[], Limits] | None
                        ) -> Callable[[], Limits] | None:
    """Make `current_limits()` call `provider` (None: the defaults again); returns
    the provider it replaces, to put back later."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def current_limits() -> Limits:
    """The limits in force now (the provider's, or the defaults)."""
    return _provider() if _provider is not None else _DEFAULT


class LimitExceeded(EngineError):
    """A value is larger (or deeper) than a limit allows; the message says which."""


# -- plain, storable JSON --------------------------------------------------------


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as JSON text in every database, or None."""
    if "\x00" in text:
        return "text may not contain NUL (\\u0000) characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text may not contain unpaired surrogate characters (\\ud800-\\udfff)"
    return None


def json_problem(value: Any, *, max_depth: int, max_bytes: int | None = None,
                 path: str = "", what: str = "the data") -> tuple[str, str] | None:
    """`(path, message)` for the first place where `value` is not plain, storable
    JSON, nests deeper than `max_depth` levels, or (with `max_bytes`) comes to
    more than `max_bytes` bytes of compact JSON; None when all is well."""
    size = 0
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        where, node, depth = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                return where, problem
            size += len(node) + 2 if node.isascii() else len(node.encode("utf-8")) + 2
        elif node is None or isinstance(node, bool):
            size += 5
        elif isinstance(node, int):
            size += 8 if -10**7 < node < 10**7 else len(str(node))
        elif isinstance(node, float):
            if not math.isfinite(node):
                return where, f"numbers must be finite, not {node}"
            size += 12
        elif isinstance(node, dict | list | tuple):
            if depth >= max_depth:
                return where, f"{what} nests deeper than {max_depth} levels"
            size += 2
            if isinstance(node, dict):
                for key, item in reversed(list(node.items())):
                    if not isinstance(key, str):
                        return where, f"object keys must be text, not {type(key).__name__}"
                    problem = text_problem(key)
                    if problem:
                        return where, f"a key: {problem}"
                    size += len(key) + 4
                    stack.append((join_path(where, key), item, depth + 1))
            else:
                size += len(node)
                stack.extend((join_path(where, index), item, depth + 1)
                             for index, item in reversed(list(enumerate(node))))
        else:
            return where, f"{type(node).__name__} is not a JSON value"
        if max_bytes is not None and size > max_bytes:
            return path, f"{what} is larger than {max_bytes:,} bytes"
    return None


def check_json(value: Any, *, max_depth: int, max_bytes: int | None = None,
               what: str = "the data") -> None:
    """Raise `LimitExceeded` describing `json_problem(value)`, if any."""
    problem = json_problem(value, max_depth=max_depth, max_bytes=max_bytes, what=what)
    if problem is not None:
        where, message = problem
        raise LimitExceeded(f"{where}: {message}" if where else message)


def size_over(value: Any, max_bytes: int) -> bool:
    """Whether `value` (JSON, or typed values such as dates and decimals) comes to
    more than `max_bytes` bytes as JSON. Walks iteratively and stops at the limit;
    shared sub-values are counted each time they appear, as they would be written."""
    size = 0
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            size += len(node) + 2
        elif isinstance(node, bytes):
            size += len(node)
        elif isinstance(node, dict):
            size += 2 + sum(len(str(key)) + 4 for key in node)
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            size += 2 + len(node)
            stack.extend(node)
        else:
            size += 16
        if size > max_bytes:
            return True
    return False


# -- rendering budget ------------------------------------------------------------


class RenderBudget:
    """Bytes that rendering may still produce in the current context."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0

    def charge(self, text: str) -> None:
        self.used += len(text)
        if self.used > self.max_bytes:
            raise LimitExceeded(
                f"the inputs come to more than {self.max_bytes:,} bytes once the "
                "{{ variables }} are filled in (the limit of a step's inputs); "
                "use fewer or smaller variables")


_budget: ContextVar[RenderBudget | None] = ContextVar("engine_render_budget", default=None)


@contextlib.contextmanager
def render_budget(max_bytes: int | None = None) -> Iterator[RenderBudget]:
    """Charge every template rendered inside this block to one budget of
    `max_bytes` (default: the current `step_input_max_bytes`)."""
    budget = RenderBudget(current_limits().step_input_max_bytes if max_bytes is None
                          else max_bytes)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def active_budget() -> RenderBudget:
    """The budget of the enclosing `render_budget` block, or a fresh one of the
    current step-input limit (so a render outside any block is bounded too)."""
    return _budget.get() or RenderBudget(current_limits().step_input_max_bytes)
