"""ASGI entry point, served by daphne: ``daphne config.asgi:application``.

- ``http``: Django.
- ``websocket``: the live run history pages (``workflows_app.live``), behind the
  session authentication of the admin and an ``Origin`` check against
  ``ALLOWED_HOSTS`` (a page of another site cannot open them with the user's
  cookies).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Set up Django (apps, models) before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from workflows_app.live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
})
