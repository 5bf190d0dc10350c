"""Delivery backends: `send(message) -> ProviderAnswer`, chosen by
`WORKFLOWS["CHANNEL_BACKEND"]` (a dotted path, like Django's `EMAIL_BACKEND`)."""

from __future__ import annotations

from django.utils.module_loading import import_string

from workflows_app.channels.message import OutboundMessage, ProviderAnswer
from workflows_app.conf import workflow_settings


class DeliveryBackend:
    """Base class: deliver one message and return what the provider answered.

    Raise `workflows_app.execution.flow.StepError` for a failure the run history
    should show (network error, refused address); HTTP error statuses are returned
    and judged by the step."""

    def send(self, message: OutboundMessage) -> ProviderAnswer:
        raise NotImplementedError


def get_backend() -> DeliveryBackend:
    """An instance of the configured backend (read on every call: settings may change)."""
    backend_class = import_string(workflow_settings.CHANNEL_BACKEND)
    return backend_class()
