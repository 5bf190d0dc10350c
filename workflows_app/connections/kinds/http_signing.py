"""HTTP: a Standard Webhooks signing secret, plus optional extra secret headers."""

from engine.types import JSON, String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds


@connection_kinds.register
class HttpSigning(ConnectionKind):
    """A secret for `http.request` to sign requests with (Standard Webhooks), and
    any other headers that must stay secret (an API key header, say)."""

    key = "http_signing"
    label = "HTTP: signing secret and secret headers"
    description = "Signs HTTP requests (Standard Webhooks) and/or adds secret headers."
    settings = (
        Setting("signing_secret", String(), "Signing secret", secret=True, required=False,
                help="whsec_... (Standard Webhooks)."),
        Setting("headers", JSON(), "Secret headers", secret=True, required=False,
                help='e.g. {"X-Api-Key": "..."}'),
    )

    @classmethod
    def headers(cls, values: dict) -> dict[str, str]:
        extra = values.get("headers") or {}
        return {str(name): str(value) for name, value in extra.items()}
