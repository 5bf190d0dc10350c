"""`chat.post`: a message in a chat channel (Slack, Microsoft Teams)."""

from __future__ import annotations

import json
from typing import Any

from engine import Output, Param, StepType, step_registry
from engine.types import Connection, Number, String, Text
from workflows_app.channels.message import OutboundMessage
from workflows_app.channels.provider_errors import provider_error, provider_message
from workflows_app.channels.sending import deliver, load_connection, secret_strings
from workflows_app.connections.kinds import connection_kinds


def chat_kinds() -> list[str]:
    """Every registered kind that can post chat messages (has `chat_payload`)."""
    return [key for key, kind in connection_kinds.items() if hasattr(kind, "chat_payload")]


@step_registry.register
class PostChatMessage(StepType):
    """Posts a message through a chat connection's incoming webhook: each kind
    (Slack, Teams, or one a project registers with a `chat_payload` method) builds
    its own JSON. The webhook address is the connection's secret."""

    key = "chat.post"
    label = "Post a chat message"
    description = "Post to a Slack or Microsoft Teams channel."
    group = "Messaging"
    params = (
        Param("connection", Connection(chat_kinds()), "Chat connection"),
        Param("text", Text(), "Message"),
        Param("channel", String(), "Channel", required=False,
              help="e.g. #sales (Slack); empty: the connection's default."),
    )
    outputs = (
        Output("status_code", Number(), "Status code"),
        Output("response", String(), "Response"),
    )

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        connection, values = load_connection(inputs["connection"], chat_kinds())
        kind = connection.kind_class
        text = str(inputs["text"])
        payload = kind.chat_payload(values, text, inputs.get("channel") or None)
        secrets = secret_strings(values, [s.name for s in kind.secret_settings()])
        message = OutboundMessage(
            channel=f"chat ({kind.label})", connection=inputs["connection"],
            summary={"channel": payload.get("channel", "(the webhook's)"), "text": text},
            method="POST", url=str(values["webhook_url"]),
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "Idempotency-Key": context.idempotency_key},
            simulated="ok", secrets=secrets)
        answer = deliver(message, context)
        if answer.status >= 400:
            raise provider_error(str(kind.label).split(" (")[0], answer,
                                 provider_message(answer, "error", "message"), secrets)
        response = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        return {"status_code": answer.status, "response": response[:300]}
