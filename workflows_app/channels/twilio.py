"""Twilio's Messages API, shared by `sms.send` and `whatsapp.send`.

`POST {api}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`,
`From`, `Body`, HTTP basic authentication with the account SID and auth token.
Twilio answers 201 with the message resource (`sid`, `status`...), or an error
object `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

from workflows_app.channels.message import OutboundMessage
from workflows_app.channels.provider_errors import provider_error, provider_message
from workflows_app.channels.sending import deliver, secret_strings


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
