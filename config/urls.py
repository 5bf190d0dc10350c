"""URL configuration of the demo project."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("workflows/", include("workflows_app.urls")),
    # Browsers ask for /favicon.ico on every page that names no icon (the admin's login).
    path("favicon.ico", RedirectView.as_view(url=static("workflows_app/favicon.svg"))),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
