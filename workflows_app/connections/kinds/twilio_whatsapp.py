"""WhatsApp through Twilio's Messages API (`whatsapp:` addresses)."""

from engine.types import URL, Phone, String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds
from workflows_app.connections.kinds.twilio_sms import TWILIO_API


@connection_kinds.register
class TwilioWhatsApp(ConnectionKind):
    """A Twilio account sending WhatsApp messages from an approved sender (`whatsapp.send`)."""

    key = "twilio_whatsapp"
    label = "WhatsApp (Twilio)"
    description = "Sends WhatsApp messages with Twilio's Messages API."
    settings = (
        Setting("account_sid", String(), "Account SID", help="AC... from the Twilio console."),
        Setting("auth_token", String(), "Auth token", secret=True),
        Setting("from_number", Phone(), "WhatsApp sender",
                help="The WhatsApp-enabled number in international form, e.g. +14155238886."),
        Setting("api_url", URL(), "API address", required=False, default=TWILIO_API,
                help="Leave as is; change only to test against a local stand-in."),
    )
