"""URLs of the workflows app; mount with ``path("workflows/", include("workflows_app.urls"))``.

- ``hooks/<token>/``: inbound webhooks (``workflows_app.views.webhook``).
- The REST API (``api/``, ``api/schema/``) is added here too.
"""

from django.urls import URLPattern, URLResolver, path

from workflows_app.views.webhook import webhook_view

app_name = "workflows_app"

urlpatterns: list[URLPattern | URLResolver] = [
    path("hooks/<str:token>/", webhook_view, name="webhook"),
]
