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
