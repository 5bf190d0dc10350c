"""What a param's value shows to people who may not change the workflow.

A step or trigger declares, per param, how its value is hidden (`Param(secret=True)`
for a whole value, `Param(redaction=HeaderValues())` for an object of HTTP headers).
The app applies the declarations everywhere a value could be seen: the run history
(always), and definitions shown to people without the right to change them (API,
builder, versions, downloads). Hiding is decided by the declaration, never by
guessing from a name: a header called `X-Session` is as secret as `Authorization`.

Extension point: subclass `Redaction` and override `redact` (and `hidden`, the
values to scrub from error texts too).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

REDACTED = "[redacted]"

#: Header names whose values carry no credentials: shown in clear. Every other
#: header's value is hidden (an allowlist: new or custom headers are hidden).
HARMLESS_HEADERS = frozenset({
    "accept", "accept-charset", "accept-encoding", "accept-language", "cache-control",
    "connection", "content-encoding", "content-language", "content-length", "content-type",
    "date", "expect", "forwarded", "host", "if-match", "if-modified-since", "if-none-match",
    "origin", "pragma", "prefer", "traceparent", "tracestate", "user-agent", "via",
    "x-amzn-trace-id", "x-correlation-id", "x-forwarded-for", "x-forwarded-host",
    "x-forwarded-port", "x-forwarded-proto", "x-real-ip", "x-request-id", "x-requested-with",
    "x-trace", "x-trace-id", "x-github-delivery", "x-github-event", "x-gitlab-event",
    "x-event-type", "x-event-key", "webhook-id", "webhook-timestamp", "idempotency-key",
    "x-idempotency-key",
})


def is_reference(value: Any) -> bool:
    """`{"ref": PATH}`: names a value, holds none; shown as it is."""
    return isinstance(value, Mapping) and set(value) == {"ref"} and isinstance(value["ref"], str)


def header_key(name: str) -> str:
    """`X_Request_Id` and `x-request-id` alike: the form `HARMLESS_HEADERS` uses."""
    return str(name).strip().lower().replace("_", "-")


class Redaction:
    """Hide a whole value (declared with `Param(secret=True)`).

    References (`{"ref": "record.email"}`) and empty values are kept: they hold
    no secret. Everything else, templates included, becomes `"[redacted]"`."""

    name: ClassVar[str] = "value"

    def redact(self, value: Any, *, visible_headers: Iterable[str] = ()) -> Any:
        if value in (None, "", [], {}) or is_reference(value):
            return value
        return REDACTED

    def hidden(self, value: Any, *, visible_headers: Iterable[str] = ()) -> list[Any]:
        """The values `redact` hides (to scrub them from error texts as well)."""
        if value in (None, "", [], {}) or is_reference(value):
            return []
        return _leaves(value)


class HeaderValues(Redaction):
    """An object of HTTP header names and values: the names are shown, and the
    values of `HARMLESS_HEADERS` (plus `visible_headers`); every other value is
    hidden, whatever its name."""

    name: ClassVar[str] = "header_values"

    def redact(self, value: Any, *, visible_headers: Iterable[str] = ()) -> Any:
        if not isinstance(value, Mapping):
            return super().redact(value)
        visible = HARMLESS_HEADERS | {header_key(name) for name in visible_headers}
        return {name: item if header_key(name) in visible or item in (None, "")
                or is_reference(item) else REDACTED
                for name, item in value.items()}

    def hidden(self, value: Any, *, visible_headers: Iterable[str] = ()) -> list[Any]:
        if not isinstance(value, Mapping):
            return super().hidden(value)
        visible = HARMLESS_HEADERS | {header_key(name) for name in visible_headers}
        return [leaf for name, item in value.items() if header_key(name) not in visible
                for leaf in _leaves(item)]


#: The declaration `Param(secret=True)` stands for.
SECRET_VALUE = Redaction()


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return [leaf for item in node.values() for leaf in _leaves(item)]
    if isinstance(node, list | tuple):
        return [leaf for item in node for leaf in _leaves(item)]
    return [node]
