"""URLs of the workflows app; mount with ``path("workflows/", include("workflows_app.urls"))``.

- ``hooks/<token>/``: inbound webhooks (``workflows_app.views.webhook``).
- ``api/``: the REST API, described at ``api/schema/`` (``workflows_app.api``).
"""

from django.urls import URLPattern, URLResolver, include, path

from workflows_app.views.webhook import webhook_view

app_name = "workflows_app"

urlpatterns: list[URLPattern | URLResolver] = [
    path("hooks/<str:token>/", webhook_view, name="webhook"),
    path("api/", include("workflows_app.api.urls")),
]
