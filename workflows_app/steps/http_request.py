"""`http.request`: call another system over HTTP(S)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import urllib3
from standardwebhooks.webhooks import Webhook

from engine import Output, Param, StepType, step_registry
from engine.errors import ValueParseError
from engine.redaction import HeaderValues
from engine.types import JSON, URL, Choice, Connection, Number, String
from workflows_app.conf import workflow_settings
from workflows_app.connections.provider import connection_values
from workflows_app.execution.flow import StepError
from workflows_app.models.connection import ConnectionUnusable
from workflows_app.net import (
    BlockedAddress,
    Response,
    ResponseTooLarge,
    TooManyRedirects,
    may_pass_later,
    send,
)
from workflows_app.steps.types import URLTemplate

MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "django-workflows/0.1 (+http.request step)"

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
#: Kinds of connection that give a request its credentials (each has `headers(values)`).
AUTH_KINDS = ["http_bearer", "http_basic", "http_signing"]


@step_registry.register
class HttpRequest(StepType):
    """Sends an HTTP request with a JSON body.

    Sends `Idempotency-Key: <run id>:<step key>`. Credentials come from a
    `connection` (bearer token, basic authentication, or a Standard Webhooks
    signing secret plus secret headers), so the definition holds none; the
    older inline `signing_secret` and secret `headers` still work (hidden from
    people who may not change workflows) and `workflows_move_secrets` moves them
    onto connections. Targets that resolve to
    any address that is not public (loopback, private, link-local, shared,
    IPv6 encodings of those...) are refused unless listed in
    `WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"]` (checked after DNS resolution,
    when the request is sent, by `workflows_app.net`). Redirects are followed up
    to five times, each hop checked the same way.
    """

    key = "http.request"
    label = "Send an HTTP request"
    description = "Call another system's API or webhook with JSON."
    group = "Integrations"
    params = (
        Param("method", Choice(METHODS), "Method", required=False, default="POST"),
        Param("url", URLTemplate(), "URL"),
        Param("connection", Connection(AUTH_KINDS), "Credentials", required=False,
              help="A connection with the token, password or signing secret to use."),
        Param("headers", JSON(), "Headers", required=False, redaction=HeaderValues(),
              extra={"widget": "json_rows", "kinds": ["text"], "row_label": "header"},
              help="Extra headers, one per row (credentials belong in a connection). "
                   "Only the values of harmless headers (Accept, Content-Type...) are "
                   "shown to people who may not change the workflow and in the run "
                   "history."),
        Param("body", JSON(), "Body", required=False,
              extra={"widget": "json_rows", "row_label": "field"},
              help="The JSON to send, one field per row: numbers are sent as numbers, "
                   "text may hold {{ variables }}."),
        Param("timeout_seconds", Number(), "Timeout (seconds)", required=False, default=10),
        Param("signing_secret", String(), "Signing secret", required=False, secret=True,
              help="Standard Webhooks secret (whsec_...) to sign the request with."),
    )
    outputs = (
        Output("status_code", Number(), "Status code"),
        Output("body", JSON(), "Response body"),
        Output("headers", JSON(), "Response headers"),
    )

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        method = str(inputs.get("method") or "POST").upper()
        url = self._checked_url(inputs["url"])
        body = inputs.get("body")
        data = None if body is None or method == "GET" else json.dumps(body).encode()
        headers = self._headers(inputs.get("headers"), context)
        if data is not None:
            headers["Content-Type"] = "application/json"
        secret = inputs.get("signing_secret")
        if inputs.get("connection"):
            extra, connection_secret = self._credentials(inputs["connection"])
            headers.update(extra)
            secret = connection_secret or secret
        if secret:
            self._sign(headers, secret, data or b"", context)
        try:
            response = send(method, url, headers=headers, body=data,
                            timeout=self._timeout(inputs.get("timeout_seconds"), context),
                            max_response_bytes=MAX_RESPONSE_BYTES)
        except BlockedAddress as exc:
            raise StepError(f"refused to call {url}: {exc}", retryable=False) from None
        except (ResponseTooLarge, TooManyRedirects) as exc:
            raise StepError(f"{method} {url}: {exc}", retryable=False) from None
        except urllib3.exceptions.HTTPError as exc:
            raise StepError(f"{method} {url} failed: {exc}") from None
        result = self._result(response)
        status = result["status_code"]
        if status >= 400:
            raise StepError(f"{method} {url} answered HTTP {status}: "
                            f"{str(result['body'])[:300]}",
                            retryable=may_pass_later(status))
        return result

    @staticmethod
    def _credentials(name: str) -> tuple[dict[str, str], str | None]:
        """(headers, signing secret) from the connection `name`."""
        try:
            connection, values = connection_values(name, AUTH_KINDS)
        except ConnectionUnusable as exc:  # missing or of another kind: not retried
            raise StepError(str(exc), retryable=False) from None
        headers = connection.kind_class.headers(values)
        for header_name, value in headers.items():
            if "\n" in value or "\r" in value:
                raise StepError(f'header "{header_name}" of connection "{name}" may not '
                                "contain line breaks", retryable=False)
        return headers, values.get("signing_secret")

    @staticmethod
    def _checked_url(raw: Any) -> str:
        try:
            return URL().parse(raw)
        except ValueParseError as exc:
            raise StepError(f"the URL is not valid: {exc.reason}", retryable=False) from None

    @staticmethod
    def _timeout(raw: Any, context: Any = None) -> float:
        """The step's timeout, within `HTTP_MAX_TIMEOUT_SECONDS` and what is left of
        the attempt's time budget (`STEP_TIMEOUT_SECONDS`)."""
        limit = float(workflow_settings.HTTP_MAX_TIMEOUT_SECONDS)
        time_left = getattr(context, "time_left", None)
        left = time_left() if callable(time_left) else None
        if left is not None:
            limit = min(limit, left)
        value = float(raw) if raw is not None else 10.0
        return max(0.1, min(value, limit))

    @staticmethod
    def _headers(raw: Any, context: Any) -> dict[str, str]:
        if raw is not None and not isinstance(raw, Mapping):
            raise StepError("headers must be an object of names and text values",
                            retryable=False)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        for name, value in (raw or {}).items():
            text = str(value)
            if "\n" in text or "\r" in text or "\n" in str(name) or "\r" in str(name):
                raise StepError(f'header "{name}" may not contain line breaks', retryable=False)
            headers[str(name)] = text
        headers["Idempotency-Key"] = context.idempotency_key
        return headers

    @staticmethod
    def _sign(headers: dict[str, str], secret: str, data: bytes, context: Any) -> None:
        try:
            signer = Webhook(secret)
        except Exception as exc:  # the library raises plain errors for bad secrets
            raise StepError(f"the signing secret is not valid: {type(exc).__name__}",
                            retryable=False) from None
        timestamp = context.now
        headers["webhook-id"] = context.idempotency_key
        headers["webhook-timestamp"] = str(int(timestamp.timestamp()))
        headers["webhook-signature"] = signer.sign(context.idempotency_key, timestamp,
                                                   data.decode())

    @staticmethod
    def _result(response: Response) -> dict[str, Any]:
        text = response.text()
        body: Any = text
        if "json" in response.content_type and text:
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        result = {"status_code": response.status, "body": body, "headers": response.headers,
                  "elapsed_ms": response.elapsed_ms}
        if response.redirects:
            result["redirected_to"] = response.url
        return result
