"""In-memory delivery for tests: messages collect in `workflows_app.channels.outbox`."""

from __future__ import annotations

from workflows_app.channels import outbox
from workflows_app.channels.backends import DeliveryBackend
from workflows_app.channels.message import OutboundMessage, ProviderAnswer


class LocmemBackend(DeliveryBackend):
    """Appends each message to `outbox.messages`; sends nothing."""

    def send(self, message: OutboundMessage) -> ProviderAnswer:
        outbox.messages.append(message)
        return ProviderAnswer(200, message.simulated)
