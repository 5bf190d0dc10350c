"""HTTP: basic authentication."""

import base64

from engine.types import String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds


@connection_kinds.register
class HttpBasic(ConnectionKind):
    """A user name and password for `http.request` (HTTP basic authentication)."""

    key = "http_basic"
    label = "HTTP: basic authentication"
    description = "Adds an Authorization: Basic header to HTTP requests."
    settings = (
        Setting("username", String(), "User name"),
        Setting("password", String(), "Password", secret=True),
    )

    @classmethod
    def headers(cls, values: dict) -> dict[str, str]:
        pair = f"{values['username']}:{values['password']}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
