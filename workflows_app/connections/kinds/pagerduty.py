"""PagerDuty: Events API v2 with a service's integration (routing) key."""

from engine.types import URL, String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


@connection_kinds.register
class PagerDuty(ConnectionKind):
    """A PagerDuty service's Events API v2 integration (`pagerduty.trigger`)."""

    key = "pagerduty"
    label = "PagerDuty (Events API v2)"
    description = "Triggers PagerDuty incidents on one service."
    settings = (
        Setting("routing_key", String(), "Integration key", secret=True,
                help="The service's Events API v2 integration key (32 characters)."),
        Setting("source", String(), "Source", required=False, default="django-workflows",
                help="Shown in PagerDuty as where the alert came from."),
        Setting("events_url", URL(), "Events API address", required=False, default=EVENTS_URL,
                help="Leave as is; change only to test against a local stand-in."),
    )
