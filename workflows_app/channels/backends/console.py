"""Console delivery (the demo's): print each message in the worker's output."""

from __future__ import annotations

import sys
import threading

from workflows_app.channels.backends import DeliveryBackend
from workflows_app.channels.message import OutboundMessage, ProviderAnswer

_lock = threading.Lock()


class ConsoleBackend(DeliveryBackend):
    """Writes the channel, connection, recipient and text to stdout; sends nothing."""

    def send(self, message: OutboundMessage) -> ProviderAnswer:
        lines = [f"--- {message.channel} via \u201c{message.connection}\u201d "
                 f"(console delivery, not sent) ---"]
        lines += [f"{name}: {value}" for name, value in message.summary.items()]
        with _lock:
            sys.stdout.write("\n".join(lines) + "\n\n")
            sys.stdout.flush()
        return ProviderAnswer(200, message.simulated)
