"""One outbound provider request and what the provider answered."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class OutboundMessage:
    """A request to a provider, in the provider's own format.

    `channel` ("sms", "chat"...), `connection` (its name) and `summary` (recipient and
    text, for people reading a console or an outbox) describe it; `method`, `url`,
    `headers` and `body` are what goes on the wire. `simulated` is the answer a
    backend that does not deliver (console, locmem) returns, shaped like the
    provider's. `secrets` are scrubbed from any error text.
    """

    channel: str
    connection: str
    summary: dict[str, Any]
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    simulated: Any = None
    secrets: list[str] = field(default_factory=list)
    timeout: float = 10.0


@dataclass
class ProviderAnswer:
    """What the provider answered: HTTP status, the body (JSON when it was JSON)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, status: int, text: str, content_type: str,
                  headers: dict[str, str] | None = None) -> ProviderAnswer:
        body: Any = text
        if text and ("json" in content_type or text.lstrip().startswith(("{", "["))):
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        return cls(status, body, headers or {})
