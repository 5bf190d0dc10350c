"""What the admin shows for manual workflows: "Run now", a form generated from the
declared inputs (`workflows_app.views.run_now`)."""

from __future__ import annotations

from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse

from workflows_app.models import Workflow
from workflows_app.triggers.base import AdminAction, TriggerAdmin, register_trigger_admin
from workflows_app.triggers.manual.trigger import Manual
from workflows_app.views.run_now import run_now_view


def _url_name(model_admin: ModelAdmin) -> str:
    opts = model_admin.model._meta
    return f"{opts.app_label}_{opts.model_name}_run_now"


@register_trigger_admin(Manual)
class ManualAdmin(TriggerAdmin):
    """ "Run now" beside "History", for workflows with a saved definition."""

    def get_urls(self, model_admin: ModelAdmin) -> list[URLPattern]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            workflow = model_admin.get_object(request, unquote(object_id))
            if workflow is None:
                raise Http404
            if not model_admin.has_change_permission(request, workflow):
                raise PermissionDenied
            return run_now_view(request, workflow, admin_site=model_admin.admin_site)

        return [path("<path:object_id>/run/", model_admin.admin_site.admin_view(view),
                     name=_url_name(model_admin))]

    def actions(self, workflow: Workflow, request: HttpRequest,
                model_admin: ModelAdmin) -> list[AdminAction]:
        if not workflow.live_version_id:
            return []
        url = reverse(f"{model_admin.admin_site.name}:{_url_name(model_admin)}",
                      args=[workflow.pk])
        return [AdminAction("Run now", url, html_id="wb-run-now")]
