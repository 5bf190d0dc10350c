"""Reading JSON text from outside: one strict parser for every entry path.

Webhook bodies, API bodies, the builder's posted definition, uploaded and
imported files and the builder's scope requests are all read with
`parse_json`, which accepts only what SQLite and PostgreSQL alike can store and
what the engine can walk safely:

- `NaN`, `Infinity` and `-Infinity` are refused (they are not JSON), and so are
  numbers too large for a float (`1e999`);
- text with NUL characters (`\\u0000`, in a value or a key) or lone surrogates
  (`\\ud800`) is refused: PostgreSQL's `jsonb` cannot store them;
- nesting deeper than `max_depth` is refused, also when it is so deep that
  Python's own parser gives up (no `RecursionError` escapes);
- with `max_bytes`, larger text is refused before it is parsed.

Every refusal is a `JSONInputError` whose message names the place (`path`) in
words a sender understands; callers answer it with a 4xx, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from engine.limits import current_limits, json_problem


class JSONInputError(ValueError):
    """JSON text that was refused: `message` says why, `path` where ("" for the
    whole document)."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (numbers must be finite)")


def parse_json(text: str | bytes, *, max_depth: int, max_bytes: int | None = None,
               what: str = "the JSON") -> Any:
    """Parse `text` strictly (see the module docstring) or raise `JSONInputError`."""
    data = _loads(text, max_depth=max_depth, max_bytes=max_bytes, what=what)
    problem = json_problem(data, max_depth=max_depth, what=what)
    if problem is not None:
        path, message = problem
        raise JSONInputError(message, path)
    return data


def _loads(text: str | bytes, *, max_depth: int, max_bytes: int | None, what: str) -> Any:
    """`json.loads` without `NaN`/`Infinity` and without a `RecursionError`."""
    if isinstance(text, bytes):
        if max_bytes is not None and len(text) > max_bytes:
            raise JSONInputError(f"{what} is larger than {max_bytes:,} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONInputError(f"{what} is not UTF-8 text ({exc.reason} at byte "
                                 f"{exc.start})") from None
    elif max_bytes is not None and len(text) > max_bytes:
        raise JSONInputError(f"{what} is larger than {max_bytes:,} bytes")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JSONInputError(f"{what} is not valid JSON (line {exc.lineno}, column "
                             f"{exc.colno}: {exc.msg})") from None
    except ValueError as exc:  # a refused constant
        raise JSONInputError(f"{what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise JSONInputError(f"{what} nests deeper than {max_depth} levels") from None
    return data


def parse_definition_text(text: str | bytes, *, as_list: bool = False) -> Any:
    """Parse the text of a definition (or, with `as_list`, of a file that may hold
    a list of them) and check it against the definition limits: nesting
    (`MAX_DEFINITION_DEPTH`), size (`MAX_DEFINITION_BYTES`, per definition) and
    storable text. Raises `JSONInputError`; the engine checks the rest."""
    limits = current_limits()
    data = _loads(text, max_depth=limits.definition_max_depth, max_bytes=None,
                  what="the definition")
    items = data if as_list and isinstance(data, list) else [data]
    for index, item in enumerate(items):
        problem = json_problem(item, max_depth=limits.definition_max_depth,
                               max_bytes=limits.definition_max_bytes, what="the definition",
                               path=f"[{index}]" if item is not data else "")
        if problem is not None:
            raise JSONInputError(problem[1], problem[0])
    return data
