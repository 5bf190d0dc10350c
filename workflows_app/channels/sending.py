"""What every channel step does around its provider's format: load the connection,
time out within the step's budget, deliver through the configured backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflows_app import net
from workflows_app.channels.backends import get_backend
from workflows_app.channels.backends.http import HttpBackend
from workflows_app.channels.message import OutboundMessage, ProviderAnswer
from workflows_app.connections.provider import connection_values
from workflows_app.execution.flow import StepError
from workflows_app.models.connection import ConnectionUnusable
from workflows_app.sandbox.capture import current_capture

DEFAULT_TIMEOUT = 10.0
USER_AGENT = "django-workflows/0.1 (channel step)"


def load_connection(name: str, kinds: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """(the connection, its decrypted values), or a `StepError` saying what is wrong:
    a connection that is gone, of another kind, incomplete or unreadable stays so on
    another attempt, so the step fails at once (not retried)."""
    try:
        return connection_values(name, kinds)
    except ConnectionUnusable as exc:
        raise StepError(str(exc), retryable=False) from None


def timeout_for(context: Any) -> float:
    time_left = getattr(context, "time_left", None)
    left = time_left() if callable(time_left) else None
    return max(0.1, min(DEFAULT_TIMEOUT, left)) if left is not None else DEFAULT_TIMEOUT


def deliver(message: OutboundMessage, context: Any) -> ProviderAnswer:
    """Send `message` with the configured backend (`WORKFLOWS["CHANNEL_BACKEND"]`).

    In a test run of a draft (`net.intercepted()`), whatever the backend, the
    provider's request goes to `net.send`, which checks its address and captures it
    for the report instead of sending it; the step gets the simulated answer."""
    message.timeout = timeout_for(context)
    message.headers.setdefault("User-Agent", USER_AGENT)
    if net.intercepted():
        capture = current_capture()
        if capture is not None:
            capture.hide(message.secrets)
        answer = HttpBackend().send(message)
        return ProviderAnswer(200, message.simulated) if message.simulated is not None \
            else answer
    return get_backend().send(message)


def secret_strings(values: dict[str, Any], names: Sequence[str]) -> list[str]:
    return [str(values[name]) for name in names if values.get(name)]
