"""`sms.send`: a text message through an SMS connection (Twilio)."""

from __future__ import annotations

from typing import Any

from engine import Output, Param, StepType, step_registry
from engine.types import Connection, String, Text
from workflows_app.channels.phone import DialablePhone
from workflows_app.channels.sending import load_connection
from workflows_app.channels.twilio import send_message

KINDS = ["twilio_sms"]


@step_registry.register
class SendSms(StepType):
    """Sends an SMS with Twilio's Messages API from the connection's number.

    `to` is a phone number in international form (checked with `phonenumbers`
    and sent as E.164); a reference to a phone field is checked when the step
    runs. Sent with `I-Twilio-Idempotency-Token: <run id>:<step key>`.
    """

    key = "sms.send"
    label = "Send an SMS"
    description = "Text a phone number."
    group = "Messaging"
    params = (
        Param("connection", Connection(KINDS), "SMS connection"),
        Param("to", DialablePhone(), "To", help="A phone number with its country code, "
                                                 "or a phone field."),
        Param("body", Text(), "Message"),
    )
    outputs = (
        Output("message_id", String(), "Message id"),
        Output("status", String(), "Status", help="As the provider reported it (queued...)."),
        Output("to", String(), "Sent to"),
    )

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        _, values = load_connection(inputs["connection"], KINDS)
        return send_message(channel="SMS", connection=inputs["connection"], values=values,
                            to=inputs["to"], sender=str(values["from_number"]),
                            body=str(inputs["body"]), context=context)
