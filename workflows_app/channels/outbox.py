"""Messages "sent" with the locmem backend, oldest first (clear it between tests)."""

from __future__ import annotations

from workflows_app.channels.message import OutboundMessage

messages: list[OutboundMessage] = []
