"""`http.request`: call another system over HTTP(S)."""

from __future__ import annotations

from engine import Output, Param, StepType, step_registry
from engine.types import JSON, Choice, Number, String
from workflows_app.steps.types import URLTemplate

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
