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
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from workflows_app import net

#: The status code of the stand-in response a captured HTTP request gets.
CAPTURED_STATUS = 200
CAPTURED_BODY = b'{"test_run": true, "note": "not sent: this was a test run"}'


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

    @property
    def body_text(self) -> str:
        if not self.body:
            return ""
        text = self.body.decode("utf-8", errors="replace")
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

    def http(self, request: net.OutboundRequest) -> net.Response:
        """The interceptor `net.send` calls: record, answer with a stand-in."""
        self.requests.append(CapturedRequest(request.method, request.url,
                                             dict(request.headers), request.body))
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
