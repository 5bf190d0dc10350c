"""URLs of the workflows app; mount with ``path("workflows/", include("workflows_app.urls"))``.

- ``api/``: the REST API, described at ``api/schema/`` (``workflows_app.api``);
- what each registered trigger serves (its ``urls()``), e.g. ``hooks/<token>/``,
  the inbound webhooks of the ``webhook`` trigger.
"""

from django.urls import URLPattern, URLResolver, include, path

from engine import trigger_registry

app_name = "workflows_app"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", include("workflows_app.api.urls")),
]
for _trigger_class in trigger_registry.values():
    _urls = getattr(_trigger_class(), "urls", None)
    if _urls is not None:
        urlpatterns += _urls()
