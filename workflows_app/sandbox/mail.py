"""Capturing e-mail during a test run, whatever sends it.

Django has no per-context e-mail backend, and switching `EMAIL_BACKEND` would
swallow the mail of every other request in the process. Instead `install()`
(called once from `WorkflowsAppConfig.ready()`) wraps the places Django's e-mail
API gets its connection from: `django.core.mail.get_connection` (used by
`send_mail`, `send_mass_mail`, direct callers and, from Django 6.1, by
`EmailMessage.send`) and, on Django versions that still have it,
`EmailMessage.get_connection` (what `EmailMessage.send` used before 6.1).
Outside a capture they return the configured connection exactly as before; inside
one (`capture.capturing()`), a `CaptureBackend` that records the messages.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import django.core.mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from workflows_app.sandbox.capture import Capture, CapturedEmail, current_capture

_INSTALLED = "_workflows_sandbox_capture"


class CaptureBackend(BaseEmailBackend):
    """An e-mail backend that records messages in a `Capture` and sends nothing."""

    def __init__(self, capture: Capture, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.capture = capture

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            headers = {str(name): str(value) for name, value in message.extra_headers.items()}
            self.capture.emails.append(CapturedEmail(
                from_email=str(message.from_email), to=[str(a) for a in message.to],
                cc=[str(a) for a in message.cc], bcc=[str(a) for a in message.bcc],
                subject=str(message.subject), body=str(message.body), headers=headers))
        return len(email_messages)


def install() -> None:
    """Wrap Django's connection lookups (idempotent)."""
    original_method = getattr(EmailMessage, "get_connection", None)
    if original_method is not None and not getattr(original_method, _INSTALLED, False):
        @functools.wraps(original_method)
        def get_connection_method(self: EmailMessage, fail_silently: bool = False) -> Any:
            capture = current_capture()
            if capture is not None:
                return CaptureBackend(capture, fail_silently=fail_silently)
            return original_method(self, fail_silently)  # type: ignore[misc]

        setattr(get_connection_method, _INSTALLED, True)
        EmailMessage.get_connection = get_connection_method  # type: ignore[method-assign]

    original_function = django.core.mail.get_connection
    if not getattr(original_function, _INSTALLED, False):
        @functools.wraps(original_function)
        def get_connection(*args: Any, **kwargs: Any) -> Any:
            capture = current_capture()
            if capture is not None:
                return CaptureBackend(capture, fail_silently=kwargs.get("fail_silently", False))
            return original_function(*args, **kwargs)

        setattr(get_connection, _INSTALLED, True)
        django.core.mail.get_connection = get_connection
