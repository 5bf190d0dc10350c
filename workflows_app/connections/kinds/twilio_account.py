"""What every Twilio connection holds: the account, its auth token, the number it sends
from and the API address. Not a kind itself: `twilio_sms` and `twilio_whatsapp`
subclass `TwilioAccount` and say what their sender is called."""

from engine.types import URL, Phone, String
from workflows_app.connections.kinds.base import ConnectionKind, Setting

TWILIO_API = "https://api.twilio.com"


def account_settings(sender_label: str, sender_help: str) -> tuple[Setting, ...]:
    """A Twilio connection's settings, its sender (`from_number`) labelled as given."""
    return (
        Setting("account_sid", String(), "Account SID", help="AC... from the Twilio console."),
        Setting("auth_token", String(), "Auth token", secret=True),
        Setting("from_number", Phone(), sender_label, help=sender_help),
        Setting("api_url", URL(), "API address", required=False, default=TWILIO_API,
                help="Leave as is; change only to test against a local stand-in."),
    )


class TwilioAccount(ConnectionKind):
    """A Twilio account sending with the Messages API from one sender; subclasses set
    `key`, `label`, `description` and `settings = account_settings(...)`."""

    settings = account_settings("From number", "")
