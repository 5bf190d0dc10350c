"""Sending with Twilio's Messages API, shared by `sms.send` and `whatsapp.send`: their
base class `TwilioMessageStep` and `send_message`, which uses Twilio's own SDK when
it is installed (the `twilio` extra, `workflows_app.channels.twilio_sdk`) and a
request built here otherwise (`send_with_own_request`); the format both speak is in
`workflows_app.channels.twilio_format`.
"""

from __future__ import annotations

import importlib.util
from typing import Any, ClassVar
from urllib.parse import quote

from engine import Output, Param, StepType
from engine.types import Connection, String, Text
from workflows_app.channels.phone import DialablePhone
from workflows_app.channels.sending import deliver, load_connection, secret_strings
from workflows_app.channels.twilio_format import basic_auth, refusal, twilio_message


def send_with_own_request(*, channel: str, connection: str, values: dict[str, Any], to: str,
                          sender: str, body: str, context: Any) -> dict[str, Any]:
    """Send one message with a request built here (when Twilio's SDK is not
    installed); returns the step outputs (`message_id`, `status`, `to`)."""
    account = str(values["account_sid"])
    url = (f"{str(values['api_url']).rstrip('/')}/2010-04-01/Accounts/"
           f"{quote(account, safe='')}/Messages.json")
    message = twilio_message(
        channel=channel, connection=connection, method="POST", url=url,
        headers={"Authorization": basic_auth(account, str(values["auth_token"])),
                 "Accept": "application/json"},
        form={"To": to, "From": sender, "Body": body}, context=context,
        secrets=secret_strings(values, ["auth_token"]))
    answer = deliver(message, context)
    if answer.status >= 400 or not isinstance(answer.body, dict):
        raise refusal(answer, message.secrets)
    return {"message_id": str(answer.body.get("sid") or ""),
            "status": str(answer.body.get("status") or ""), "to": to}


def sdk_installed() -> bool:
    """Whether Twilio's SDK (`twilio`, the `twilio` extra) can be used."""
    return importlib.util.find_spec("twilio") is not None


def send_message(**kwargs: Any) -> dict[str, Any]:
    """Send one message with Twilio's SDK when it is installed, else with a request
    built here; both go through `deliver` (same arguments as
    `send_with_own_request`)."""
    if sdk_installed():
        from workflows_app.channels.twilio_sdk import send_with_sdk

        return send_with_sdk(**kwargs)
    return send_with_own_request(**kwargs)


class TwilioMessageStep(StepType):
    """A message through a Twilio connection: `connection`, `to` (a phone number,
    checked with `phonenumbers` and sent as E.164; a reference to a phone field is
    checked when the step runs) and `body`; outputs what Twilio answered. Sent with
    `I-Twilio-Idempotency-Token: <run id>:<step key>`.

    A subclass sets the step's `key`, `label`, `description`, `channel` (its name in
    messages), `kinds` (of connection), `params = message_params(kinds, "... connection")`
    and `address(number)` (how Twilio writes a recipient or sender on that channel).
    """

    group = "Messaging"
    channel: ClassVar[str] = ""
    kinds: ClassVar[list[str]] = []
    outputs = (
        Output("message_id", String(), "Message id"),
        Output("status", String(), "Status", help="As the provider reported it (queued...)."),
        Output("to", String(), "Sent to"),
    )

    @staticmethod
    def message_params(kinds: list[str], connection_label: str) -> tuple[Param, ...]:
        return (
            Param("connection", Connection(kinds), connection_label),
            Param("to", DialablePhone(), "To", help="A phone number with its country code, "
                                                     "or a phone field."),
            Param("body", Text(), "Message"),
        )

    @staticmethod
    def address(number: str) -> str:
        """A phone number as the channel addresses it (SMS: E.164 as it is)."""
        return number

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        _, values = load_connection(inputs["connection"], self.kinds)
        return send_message(channel=self.channel, connection=inputs["connection"],
                            values=values, to=self.address(inputs["to"]),
                            sender=self.address(str(values["from_number"])),
                            body=str(inputs["body"]), context=context)
