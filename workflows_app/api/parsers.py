"""A strict JSON parser: what it accepts can be stored on SQLite and PostgreSQL alike.

On top of DRF's `JSONParser` it reads bodies with `workflows_app.json_input`:
bodies larger than `MAX_BODY_BYTES` are refused (413), and so are `NaN` and
`Infinity`, numbers too large for a float (`1e999`), nesting deeper than
`WORKFLOWS["MAX_DEFINITION_DEPTH"]` levels, and text containing NUL characters or
lone surrogates, which PostgreSQL cannot store (a 400 naming the place).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from workflows_app.api.exceptions import PayloadTooLarge
from workflows_app.conf import workflow_settings
from workflows_app.json_input import JSONInputError, parse_json

#: The largest JSON body the API reads (a definition with 100 steps is far below).
MAX_BODY_BYTES = 2 * 1024 * 1024


class StrictJSONParser(JSONParser):
    """`application/json`, read strictly (see the module docstring)."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text: "
                             f"{exc}") from None
        try:
            return parse_json(text, max_depth=int(workflow_settings.MAX_DEFINITION_DEPTH),
                              what="the request body")
        except JSONInputError as exc:
            if exc.path:
                raise ValidationError({exc.path: [exc.message[:1].upper() + exc.message[1:]]}
                                      ) from None
            raise ParseError(f"JSON parse error - {exc.message}") from None
