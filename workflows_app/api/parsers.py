"""A strict JSON parser: what it accepts can be stored on SQLite and PostgreSQL alike.

On top of DRF's `JSONParser` (which refuses `NaN` and `Infinity`), it refuses
bodies larger than `MAX_BODY_BYTES` (413), numbers too large for a float
(`1e999`), nesting deeper than `MAX_NESTING` levels, and text containing NUL
characters or lone surrogates, which PostgreSQL cannot store (a 400 naming the
place).
"""

from __future__ import annotations

import json
import math
from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from engine.errors import join_path
from workflows_app.api.exceptions import PayloadTooLarge

#: The largest JSON body the API reads (a definition with 100 steps is far below).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: The deepest nesting of arrays and objects the API reads.
MAX_NESTING = 100


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first place in `value` that cannot be stored as JSON text, and why."""
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        where, node, depth = stack.pop()
        if depth > MAX_NESTING and isinstance(node, dict | list):
            return where, f"JSON may nest at most {MAX_NESTING} levels deep"
        if isinstance(node, str):
            problem = _text_problem(node)
            if problem:
                return where, problem
        elif isinstance(node, float) and not math.isfinite(node):
            return where, "numbers must be finite"
        elif isinstance(node, dict):
            for key, item in reversed(list(node.items())):
                problem = _text_problem(key)
                if problem:
                    return where, f"a key {problem[0].lower()}{problem[1:]}"
                stack.append((join_path(where, key), item, depth + 1))
        elif isinstance(node, list):
            stack.extend((join_path(where, index), item, depth + 1)
                         for index, item in reversed(list(enumerate(node))))
    return None


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text may not contain NUL (\\u0000) characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text may not contain unpaired surrogate characters."
    return None


class StrictJSONParser(JSONParser):
    """`application/json`, read strictly (see the module docstring)."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_reject_constant)
        except (ValueError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply") from None
        problem = unstorable(data)
        if problem is not None:
            where, message = problem
            raise ValidationError({where: [message]} if where else [message])
        return data
