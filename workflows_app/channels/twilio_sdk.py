"""Sending with Twilio's own SDK (`twilio`, installed with the `twilio` extra).

The SDK builds the request (address, form fields, authentication, its user agent)
and reads Twilio's answer into its message resource. `DeliverClient`, given to the
SDK as its `http_client`, hands each request to
`workflows_app.channels.sending.deliver` instead of `requests`: the delivery
backend decides what happens to it (console, locmem, or `net.send` with its
address checks and redirect checks), test runs capture it, the connection's API
address replaces Twilio's host, and the step's idempotency key goes with it.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from workflows_app.channels.message import ProviderAnswer
from workflows_app.channels.sending import deliver, secret_strings
from workflows_app.channels.twilio_format import basic_auth, refusal, twilio_message


class DeliverClient(HttpClient):
    """The SDK's HTTP client for one step attempt (see the module)."""

    def __init__(self, *, channel: str, connection: str, api_url: str, context: Any,
                 secrets: list[str]) -> None:
        super().__init__(logging.getLogger("workflows_app.channels.twilio"), is_async=False)
        self.channel, self.connection, self.context = channel, connection, context
        self.api_url, self.secrets = api_url.rstrip("/"), secrets
        self.last_answer: ProviderAnswer | None = None

    def request(self, method: str, uri: str, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        url = self.api_url + urlsplit(uri).path + (f"?{urlencode(params)}" if params else "")
        sent = dict(headers or {})
        if auth:
            sent["Authorization"] = basic_auth(*auth)
        message = twilio_message(
            channel=self.channel, connection=self.connection, method=method, url=url,
            headers=sent, form={key: str(value) for key, value in (data or {}).items()},
            context=self.context, secrets=self.secrets)
        answer = self.last_answer = deliver(message, self.context)
        text = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
        return Response(answer.status, text, answer.headers)


def send_with_sdk(*, channel: str, connection: str, values: dict[str, Any], to: str,
                  sender: str, body: str, context: Any) -> dict[str, Any]:
    """Send one message with `Client.messages.create`; returns the step outputs
    (`message_id`, `status`, `to`). Twilio's refusal is the step error in Twilio's
    words, as without the SDK."""
    secrets = secret_strings(values, ["auth_token"])
    http_client = DeliverClient(channel=channel, connection=connection,
                                api_url=str(values["api_url"]), context=context,
                                secrets=secrets)
    client = Client(str(values["account_sid"]), str(values["auth_token"]),
                    http_client=http_client)
    try:
        sent = client.messages.create(to=to, from_=sender, body=body)
    except TwilioRestException as exc:
        answer = http_client.last_answer or ProviderAnswer(exc.status, {"message": exc.msg,
                                                                        "code": exc.code})
        raise refusal(answer, secrets) from None
    except ValueError:  # a success status without Twilio's JSON (a proxy's page...)
        raise refusal(http_client.last_answer or ProviderAnswer(200, ""), secrets) from None
    return {"message_id": str(sent.sid or ""), "status": str(sent.status or ""), "to": to}
