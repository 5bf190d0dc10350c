"""WhatsApp through Twilio's Messages API (`whatsapp:` addresses)."""

from workflows_app.connections.kinds.base import connection_kinds
from workflows_app.connections.kinds.twilio_account import TwilioAccount, account_settings


@connection_kinds.register
class TwilioWhatsApp(TwilioAccount):
    """A Twilio account sending WhatsApp messages from an approved sender (`whatsapp.send`)."""

    key = "twilio_whatsapp"
    label = "WhatsApp (Twilio)"
    description = "Sends WhatsApp messages with Twilio's Messages API."
    settings = account_settings(
        "WhatsApp sender",
        "The WhatsApp-enabled number in international form, e.g. +14155238886.")
