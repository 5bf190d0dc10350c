"""Microsoft Teams: an incoming webhook (Workflows or the classic connector)."""

from engine.types import URL
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds


@connection_kinds.register
class Teams(ConnectionKind):
    """A Microsoft Teams incoming webhook (`chat.post`); its address is secret."""

    key = "teams"
    label = "Microsoft Teams (incoming webhook)"
    description = "Posts messages to a Teams channel through an incoming webhook."
    settings = (
        Setting("webhook_url", URL(), "Webhook URL", secret=True,
                help="The address Teams gave the channel's incoming webhook."),
    )

    @classmethod
    def chat_payload(cls, values: dict, text: str, channel: str | None) -> dict:
        """A message with one Adaptive Card holding the text (what Teams' Workflows
        webhooks and the classic connectors both accept). A Teams webhook belongs
        to one channel, so `channel` is ignored."""
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard", "version": "1.4",
                        "body": [{"type": "TextBlock", "text": text, "wrap": True}]},
        }]}
