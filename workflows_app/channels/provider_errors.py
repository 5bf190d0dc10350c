"""A provider's error answer, in words for the run history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workflows_app.channels.message import ProviderAnswer
from workflows_app.execution.flow import StepError
from workflows_app.execution.redaction import redact_text
from workflows_app.net import may_pass_later

MAX_MESSAGE = 300


def provider_message(answer: ProviderAnswer, *keys: str) -> str:
    """The provider's own message from an error body: the first of `keys` found in a
    JSON object (e.g. "message", "error"), else the text itself."""
    body: Any = answer.body
    if isinstance(body, dict):
        for key in keys:
            value = body.get(key)
            if value not in (None, "", [], {}):
                return _short(value if isinstance(value, str) else str(value))
        return _short(str(body))
    return _short(str(body or "").strip() or "no message")


def failure(provider: str, answer: ProviderAnswer, message: str,
            secrets: Iterable[str] = ()) -> str:
    """`"Twilio answered HTTP 400: The 'To' number ... is not valid (code 21211)"`."""
    return redact_text(f"{provider} answered HTTP {answer.status}: {message}", list(secrets))


def provider_error(provider: str, answer: ProviderAnswer, message: str,
                   secrets: Iterable[str] = ()) -> StepError:
    """The step error for a provider's error answer: retried by the step's policy when
    another attempt may pass (5xx, 408, 425, 429), at once final for any other 4xx
    (the provider refused this request: a bad number, an unknown channel, a wrong
    key)."""
    return StepError(failure(provider, answer, message, secrets),
                     retryable=may_pass_later(answer.status))


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."
