"""`http.request`: call another system over HTTP(S)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import urllib3
from standardwebhooks.webhooks import Webhook

from engine import Output, Param, StepType, step_registry
from engine.errors import ValueParseError
from engine.types import JSON, URL, Choice, Number, String
from workflows_app.conf import workflow_settings
from workflows_app.execution.flow import StepError
from workflows_app.net import BlockedAddress, resolve_public_address
from workflows_app.steps.types import URLTemplate

MAX_RESPONSE_BYTES = 1024 * 1024
USER_AGENT = "django-workflows/0.1 (+http.request step)"

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@step_registry.register
class HttpRequest(StepType):
    """Sends an HTTP request with a JSON body.

    Sends `Idempotency-Key: <run id>:<step key>`; with a `signing_secret` the
    request is signed in the Standard Webhooks format. Targets that resolve to
    loopback, private or link-local addresses are refused unless listed in
    `WORKFLOWS["HTTP_ALLOWED_PRIVATE_HOSTS"]` (checked after DNS resolution,
    when the request is sent).
    """

    key = "http.request"
    label = "Send an HTTP request"
    description = "Call another system's API or webhook with JSON."
    group = "Integrations"
    params = (
        Param("method", Choice(METHODS), "Method", required=False, default="POST"),
        Param("url", URLTemplate(), "URL"),
        Param("headers", JSON(), "Headers", required=False,
              help='Extra headers, e.g. {"Authorization": "Bearer ..."}.'),
        Param("body", JSON(), "Body", required=False,
              help="JSON to send; text values may use {{ variables }}."),
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
        parts = urlsplit(url)
        secure = parts.scheme.lower() == "https"
        port = parts.port or (443 if secure else 80)
        host = parts.hostname or ""
        try:
            target = resolve_public_address(host, port)
        except BlockedAddress as exc:
            raise StepError(f"refused to call {url}: {exc}") from None
        body = inputs.get("body")
        data = None if body is None or method == "GET" else json.dumps(body).encode()
        headers = self._headers(inputs.get("headers"), host, parts.port, context)
        if data is not None:
            headers["Content-Type"] = "application/json"
        secret = inputs.get("signing_secret")
        if secret:
            self._sign(headers, secret, data or b"", context)
        response = self._send(method, target, secure, parts, headers, data,
                              self._timeout(inputs.get("timeout_seconds")))
        status = response["status_code"]
        if status >= 400:
            raise StepError(f"{method} {url} answered HTTP {status}: "
                            f"{str(response['body'])[:300]}")
        return response

    @staticmethod
    def _checked_url(raw: Any) -> str:
        try:
            return URL().parse(raw)
        except ValueParseError as exc:
            raise StepError(f"the URL is not valid: {exc.reason}") from None

    @staticmethod
    def _timeout(raw: Any) -> float:
        limit = float(workflow_settings.HTTP_MAX_TIMEOUT_SECONDS)
        value = float(raw) if raw is not None else 10.0
        return max(0.1, min(value, limit))

    @staticmethod
    def _headers(raw: Any, host: str, port: int | None, context: Any) -> dict[str, str]:
        if raw is not None and not isinstance(raw, Mapping):
            raise StepError("headers must be an object of names and text values")
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        for name, value in (raw or {}).items():
            text = str(value)
            if "\n" in text or "\r" in text or "\n" in str(name) or "\r" in str(name):
                raise StepError(f'header "{name}" may not contain line breaks')
            headers[str(name)] = text
        headers["Host"] = host if port is None else f"{host}:{port}"
        headers["Idempotency-Key"] = context.idempotency_key
        return headers

    @staticmethod
    def _sign(headers: dict[str, str], secret: str, data: bytes, context: Any) -> None:
        try:
            signer = Webhook(secret)
        except Exception as exc:  # the library raises plain errors for bad secrets
            raise StepError(f"the signing secret is not valid: {type(exc).__name__}") from None
        timestamp = context.now
        headers["webhook-id"] = context.idempotency_key
        headers["webhook-timestamp"] = str(int(timestamp.timestamp()))
        headers["webhook-signature"] = signer.sign(context.idempotency_key, timestamp,
                                                   data.decode())

    @staticmethod
    def _send(method: str, target: Any, secure: bool, parts: Any, headers: dict[str, str],
              data: bytes | None, timeout: float) -> dict[str, Any]:
        pool_class = urllib3.HTTPSConnectionPool if secure else urllib3.HTTPConnectionPool
        options: dict[str, Any] = {"timeout": urllib3.Timeout(total=timeout), "retries": False,
                                   "maxsize": 1}
        if secure:
            options.update(server_hostname=target.host, assert_hostname=target.host)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        started = time.monotonic()
        with pool_class(target.address, target.port, **options) as pool:
            try:
                response = pool.urlopen(method, path, body=data, headers=headers,
                                        redirect=False, preload_content=False)
            except urllib3.exceptions.HTTPError as exc:
                raise StepError(f"{method} {parts.geturl()} failed: {exc}") from None
            try:
                raw = response.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            finally:
                response.release_conn()
        if len(raw) > MAX_RESPONSE_BYTES:
            raise StepError(f"the response is larger than {MAX_RESPONSE_BYTES} bytes")
        content_type = response.headers.get("Content-Type", "")
        charset = re.search(r"charset=([\w.-]+)", content_type)
        encoding = charset.group(1) if charset else "utf-8"
        try:
            text = raw.decode(encoding, errors="replace")
        except LookupError:
            text = raw.decode("utf-8", errors="replace")
        body: Any = text
        if "json" in content_type and text:
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        return {
            "status_code": response.status,
            "body": body,
            "headers": {name.lower(): value for name, value in response.headers.items()},
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        }
