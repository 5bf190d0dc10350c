"""The demo Django project: settings, URLs, ASGI/WSGI entry points and the demo app."""
