"""`whatsapp.send`: a WhatsApp message through a WhatsApp connection (Twilio)."""

from __future__ import annotations

from engine import step_registry
from workflows_app.channels.twilio import TwilioMessageStep


@step_registry.register
class SendWhatsApp(TwilioMessageStep):
    """Sends a WhatsApp message with Twilio's Messages API (`whatsapp:+E164`
    addresses). Outside WhatsApp's 24-hour window providers only deliver approved
    templates; the provider's refusal is the step's error."""

    key = "whatsapp.send"
    label = "Send a WhatsApp message"
    description = "Message a phone number on WhatsApp."
    channel = "WhatsApp"
    kinds = ["twilio_whatsapp"]
    params = TwilioMessageStep.message_params(kinds, "WhatsApp connection")

    @staticmethod
    def address(number: str) -> str:
        return f"whatsapp:{number}"
