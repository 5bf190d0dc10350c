"""Twilio's Messages API, shared by `sms.send` and `whatsapp.send` (`send_message`,
and their base class `TwilioMessageStep`).

`POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`,
`From`, `Body`, HTTP basic authentication with the account SID and auth token.
Twilio answers 201 with the message resource (`sid`, `status`...), or an error
object `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from engine import Output, Param, StepType
from engine.types import Connection, String, Text
from workflows_app.channels.message import OutboundMessage
from workflows_app.channels.phone import DialablePhone
from workflows_app.channels.provider_errors import provider_error, provider_message
from workflows_app.channels.sending import deliver, load_connection, secret_strings


def send_message(*, channel: str, connection: str, values: dict[str, Any], to: str,
                 sender: str, body: str, context: Any) -> dict[str, Any]:
    """Send one message; returns the step outputs (`message_id`, `status`, `to`)."""
    account = str(values["account_sid"])
    url = (f"{str(values['api_url']).rstrip('/')}/2010-04-01/Accounts/"
           f"{quote(account, safe='')}/Messages.json")
    credentials = base64.b64encode(f"{account}:{values['auth_token']}".encode()).decode()
    form = urlencode({"To": to, "From": sender, "Body": body}).encode()
    message = OutboundMessage(
        channel=channel, connection=connection, summary={"to": to, "from": sender,
                                                         "body": body},
        method="POST", url=url, body=form,
        headers={"Authorization": f"Basic {credentials}",
                 "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json",
                 "I-Twilio-Idempotency-Token": context.idempotency_key},
        simulated={"sid": "SM" + context.idempotency_key.replace(":", "_"),
                   "status": "queued", "to": to, "from": sender, "body": body},
        secrets=secret_strings(values, ["auth_token"]))
    answer = deliver(message, context)
    if answer.status >= 400 or not isinstance(answer.body, dict):
        text = provider_message(answer, "message", "detail")
        code = answer.body.get("code") if isinstance(answer.body, dict) else None
        if code:
            text += f" (Twilio error {code})"
        raise provider_error("Twilio", answer, text, message.secrets)
    return {"message_id": str(answer.body.get("sid") or ""),
            "status": str(answer.body.get("status") or ""), "to": to}


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
