"""ASGI entry point, served by daphne: ``daphne config.asgi:application``.

Only plain HTTP is routed for now; websocket routes for live updates are added
to the ``ProtocolTypeRouter`` below.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Set up Django (apps, models) before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app})
