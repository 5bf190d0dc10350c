"""HTTP: a bearer token sent as `Authorization: Bearer <token>`."""

from engine.types import String
from workflows_app.connections.kinds.base import ConnectionKind, Setting, connection_kinds


@connection_kinds.register
class HttpBearer(ConnectionKind):
    """A token for `http.request`, sent as `Authorization: Bearer <token>`."""

    key = "http_bearer"
    label = "HTTP: bearer token"
    description = "Adds an Authorization: Bearer header to HTTP requests."
    settings = (Setting("token", String(), "Token", secret=True),)

    @classmethod
    def headers(cls, values: dict) -> dict[str, str]:
        return {"Authorization": f"Bearer {values['token']}"}
