"""URLs of the workflows app; mount with ``path("workflows/", include("workflows_app.urls"))``.

The REST API (``api/``, ``api/schema/``) and inbound webhooks (``hooks/<token>/``)
are added here.
"""

from django.urls import URLPattern, URLResolver

app_name = "workflows_app"

urlpatterns: list[URLPattern | URLResolver] = []
