"""`sms.send`: a text message through an SMS connection (Twilio)."""

from __future__ import annotations

from engine import step_registry
from workflows_app.channels.twilio import TwilioMessageStep


@step_registry.register
class SendSms(TwilioMessageStep):
    """Sends an SMS with Twilio's Messages API from the connection's number (see
    `TwilioMessageStep` for the phone number and idempotency)."""

    key = "sms.send"
    label = "Send an SMS"
    description = "Text a phone number."
    channel = "SMS"
    kinds = ["twilio_sms"]
    params = TwilioMessageStep.message_params(kinds, "SMS connection")
