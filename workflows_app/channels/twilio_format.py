"""Twilio's Messages API: the request and the error answer, as both ways of sending
(`workflows_app.channels.twilio`, `workflows_app.channels.twilio_sdk`) speak it.

`POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`,
`From`, `Body`, HTTP basic authentication with the account SID and auth token.
Twilio answers 201 with the message resource (`sid`, `status`...), or an error
object `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from workflows_app.channels.message import OutboundMessage, ProviderAnswer
from workflows_app.channels.provider_errors import provider_error, provider_message
from workflows_app.execution.flow import StepError


def twilio_message(*, channel: str, connection: str, method: str, url: str,
                   headers: dict[str, str], form: dict[str, str], context: Any,
                   secrets: list[str]) -> OutboundMessage:
    """The request for one message (form fields `To`, `From`, `Body`), sent with the
    step's idempotency key; a backend that does not deliver answers like Twilio."""
    to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
    return OutboundMessage(
        channel=channel, connection=connection,
        summary={"to": to, "from": sender, "body": body},
        method=method, url=url, body=urlencode(form).encode(),
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded",
                 "I-Twilio-Idempotency-Token": context.idempotency_key},
        simulated={"sid": "SM" + context.idempotency_key.replace(":", "_"),
                   "status": "queued", "to": to, "from": sender, "body": body},
        secrets=secrets)


def basic_auth(account: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()


def refusal(answer: ProviderAnswer, secrets: list[str]) -> StepError:
    """Twilio's error answer as the step error, in Twilio's words with its error code."""
    text = provider_message(answer, "message", "detail")
    code = answer.body.get("code") if isinstance(answer.body, dict) else None
    if code:
        text += f" (Twilio error {code})"
    return provider_error("Twilio", answer, text, secrets)
