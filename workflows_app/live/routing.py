"""WebSocket URL patterns of the live run history pages.

Add them to the project's ASGI router, behind authentication and an origin check::

    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.security.websocket import AllowedHostsOriginValidator
    from workflows_app.live.routing import websocket_urlpatterns

    application = ProtocolTypeRouter({
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    })
"""

from __future__ import annotations

from django.urls import path

from workflows_app.live.consumers import RunConsumer, RunsListConsumer

PREFIX = "ws/workflows/runs/"

websocket_urlpatterns = [
    path(PREFIX, RunsListConsumer.as_asgi(), name="workflows_runs_socket"),
    path(f"{PREFIX}<int:run_id>/", RunConsumer.as_asgi(), name="workflows_run_socket"),
]


def socket_path(run_id: int | None = None) -> str:
    """`/ws/workflows/runs/` or `/ws/workflows/runs/<id>/` (the pages add the host)."""
    return f"/{PREFIX}{run_id}/" if run_id is not None else f"/{PREFIX}"
