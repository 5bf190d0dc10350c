"""WebSocket URL patterns of the live run history pages (needs the ``live`` extra).

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

from workflows_app.extras import LIVE_UPDATES, require

require(LIVE_UPDATES, "workflows_app.live.routing was imported")

from workflows_app.live.consumers import (  # noqa: E402
    NotificationsConsumer,
    RunConsumer,
    RunsListConsumer,
)
from workflows_app.live.paths import NOTIFICATIONS, PREFIX, socket_path  # noqa: E402

__all__ = ["socket_path", "websocket_urlpatterns"]

websocket_urlpatterns = [
    path(PREFIX, RunsListConsumer.as_asgi(), name="workflows_runs_socket"),
    path(f"{PREFIX}<int:run_id>/", RunConsumer.as_asgi(), name="workflows_run_socket"),
    path(NOTIFICATIONS, NotificationsConsumer.as_asgi(), name="workflows_notifications_socket"),
]

