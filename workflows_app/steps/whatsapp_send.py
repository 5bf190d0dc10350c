"""`whatsapp.send`: a WhatsApp message through a WhatsApp connection (Twilio)."""

from __future__ import annotations

from typing import Any

from engine import Output, Param, StepType, step_registry
from engine.types import Connection, String, Text
from workflows_app.channels.phone import DialablePhone
from workflows_app.channels.sending import load_connection
from workflows_app.channels.twilio import send_message

KINDS = ["twilio_whatsapp"]


@step_registry.register
class SendWhatsApp(StepType):
    """Sends a WhatsApp message with Twilio's Messages API (`whatsapp:+E164`
    addresses). Outside WhatsApp's 24-hour window providers only deliver approved
    templates; the provider's refusal is the step's error."""

    key = "whatsapp.send"
    label = "Send a WhatsApp message"
    description = "Message a phone number on WhatsApp."
    group = "Messaging"
    params = (
        Param("connection", Connection(KINDS), "WhatsApp connection"),
        Param("to", DialablePhone(), "To", help="A phone number with its country code, "
                                                 "or a phone field."),
        Param("body", Text(), "Message"),
    )
    outputs = (
        Output("message_id", String(), "Message id"),
        Output("status", String(), "Status"),
        Output("to", String(), "Sent to"),
    )

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        _, values = load_connection(inputs["connection"], KINDS)
        return send_message(channel="WhatsApp", connection=inputs["connection"],
                            values=values, to=f"whatsapp:{inputs['to']}",
                            sender=f"whatsapp:{values['from_number']}",
                            body=str(inputs["body"]), context=context)
