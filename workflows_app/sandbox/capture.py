"""What a test run would have sent, captured instead of sent.

`capturing()` opens a capture for the current context (a `ContextVar`, so other
requests and threads are unaffected). While it is open:

- every HTTP request made through `workflows_app.net.send` (the `http.request`
  step and every channel step: SMS, chat, paging) is checked as usual (an
  address that would be refused is still refused) and then recorded and answered
  with a stand-in response instead of being sent;
- every e-mail sent through Django's e-mail API (`EmailMessage.send`,
  `send_mail`, `mail_admins`...) is recorded instead of being handed to the
  configured backend (`workflows_app.sandbox.mail`).

A captured request is kept as the report shows it, without credentials: the
value of an `Authorization` header is reduced to its scheme ("Basic [redacted]"),
and the secrets of the connection a channel step used (`Capture.hide`: a Twilio
auth token, a PagerDuty routing key, a Slack webhook address) are replaced
wherever they appear (address, headers, body). A form-encoded body reads as one
line per field.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from engine.redaction import REDACTED
from workflows_app import net

#: The status code of the stand-in response a captured HTTP request gets.
CAPTURED_STATUS = 200
CAPTURED_BODY = b'{"test_run": true, "note": "not sent: this was a test run"}'
#: Headers whose value is a credential whatever it holds: shown by their scheme only.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass
class CapturedEmail:
    """An e-mail as it would have been sent."""

    from_email: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.from_email, "to": self.to, "cc": self.cc, "bcc": self.bcc,
                "subject": self.subject, "body": self.body, "headers": self.headers}


@dataclass
class CapturedRequest:
    """An HTTP request as it would have been sent."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None

    @classmethod
    def shown(cls, request: net.OutboundRequest, secrets: Iterable[str]) -> CapturedRequest:
        """`request` as the report may show it: no credential, no known secret."""
        hidden = _with_encodings(secrets)
        url = request.url
        if url in hidden:  # the address is the secret (a Slack webhook)
            parts = urlsplit(url)
            url = f"{parts.scheme}://{parts.netloc}/{REDACTED}"
        headers = {}
        for name, value in dict(request.headers).items():
            if name.lower() in CREDENTIAL_HEADERS:
                scheme = str(value).split(" ", 1)[0] if " " in str(value) else ""
                headers[name] = f"{scheme} {REDACTED}".strip()
            else:
                headers[name] = _scrub(str(value), hidden)
        body = request.body
        if body:
            body = _scrub(body.decode("utf-8", errors="replace"), hidden).encode("utf-8")
        return cls(request.method, _scrub(url, hidden), headers, body)

    @property
    def content_type(self) -> str:
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return str(value).split(";", 1)[0].strip().lower()
        return ""

    @property
    def body_text(self) -> str:
        if not self.body:
            return ""
        text = self.body.decode("utf-8", errors="replace")
        if self.content_type == FORM_TYPE:
            return "\n".join(f"{name}: {value}" for name, value in
                             parse_qsl(text, keep_blank_values=True))
        with contextlib.suppress(ValueError):
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "headers": self.headers,
                "body": self.body_text}


@dataclass
class Capture:
    """Everything captured during one test run, in the order it happened."""

    emails: list[CapturedEmail] = field(default_factory=list)
    requests: list[CapturedRequest] = field(default_factory=list)
    #: Values never shown in a captured request (`hide`).
    secrets: list[str] = field(default_factory=list)

    def hide(self, secrets: Iterable[Any]) -> None:
        """Keep these values (a connection's secrets) out of the requests captured
        from now on."""
        self.secrets.extend(str(secret) for secret in secrets
                            if secret is not None and len(str(secret)) >= 4)

    def http(self, request: net.OutboundRequest) -> net.Response:
        """The interceptor `net.send` calls: record, answer with a stand-in."""
        self.requests.append(CapturedRequest.shown(request, self.secrets))
        return net.Response(status=CAPTURED_STATUS,
                            headers={"content-type": "application/json",
                                     "x-workflows-test-run": "not sent"},
                            body=CAPTURED_BODY, url=request.url, elapsed_ms=0)


_current: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "workflows_sandbox_capture", default=None)


def current_capture() -> Capture | None:
    """The capture open in this context, if any."""
    return _current.get()


@contextlib.contextmanager
def capturing(capture: Capture | None = None) -> Iterator[Capture]:
    """Capture outbound e-mail and HTTP in this context instead of sending them."""
    capture = capture or Capture()
    token = _current.set(capture)
    try:
        with net.intercepting(capture.http):
            yield capture
    finally:
        _current.reset(token)


def _with_encodings(secrets: Iterable[str]) -> list[str]:
    """The secrets as they may appear in an address or a form body, longest first."""
    found = {form for secret in secrets for form in (secret, quote(secret, safe=""),
                                                      quote_plus(secret))}
    return sorted(found, key=len, reverse=True)


def _scrub(text: str, hidden: list[str]) -> str:
    for secret in hidden:
        text = text.replace(secret, REDACTED)
    return text
