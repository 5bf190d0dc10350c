"""URL: an absolute http(s) address."""

from __future__ import annotations

from urllib.parse import urlsplit

from engine.types.base import type_registry
from engine.types.string import String


@type_registry.register
class URL(String):
    """An absolute `http://` or `https://` URL with a host.

    Whether the host may be reached (private networks) is decided at send time by
    the step that uses it, after DNS resolution; this type only checks the form.
    """

    name = "URL"
    label = "Web address"
    widget = "url"
    placeholder = "https://example.com/hook"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise self.error(raw, "expected a web address")
        text = raw.strip()
        if len(text) > 2048:
            raise self.error(raw, "longer than 2048 characters")
        if any(ch.isspace() for ch in text):
            raise self.error(raw, "may not contain spaces")
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise self.error(raw, str(exc)) from None
        if parts.scheme.lower() not in {"http", "https"}:
            raise self.error(raw, "must start with http:// or https://")
        if not parts.hostname:
            raise self.error(raw, "has no host name")
        if port == 0:
            raise self.error(raw, "port 0 is not allowed")
        return text

    def comparable(self, value: object) -> object:
        return value
