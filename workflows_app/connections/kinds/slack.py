"""Slack: an incoming webhook."""

from engine.types import URL, String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds


@connection_kinds.register
class Slack(ConnectionKind):
    """A Slack incoming webhook (`chat.post`); its address holds its key, so it is secret."""

    key = "slack"
    label = "Slack (incoming webhook)"
    description = "Posts messages to a Slack channel through an incoming webhook."
    settings = (
        Setting("webhook_url", URL(), "Webhook URL", secret=True,
                help="https://hooks.slack.com/services/... from the Slack app's settings."),
        Setting("default_channel", String(), "Default channel", required=False,
                help="e.g. #sales; a step may name another."),
    )

    @classmethod
    def chat_payload(cls, values: dict, text: str, channel: str | None) -> dict:
        """Slack's incoming-webhook JSON: `{"text": ..., "channel": ...}` (Slack
        answers `ok`, or a plain-text error such as `invalid_payload`)."""
        payload: dict = {"text": text}
        target = channel or values.get("default_channel")
        if target:
            payload["channel"] = target
        return payload
