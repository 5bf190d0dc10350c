""""Run now": the admin page that starts a `manual` workflow with its inputs.

`run_now_view(request, workflow)` is admin-ready: wire it into the admin URLs
(e.g. from `WorkflowAdmin.get_urls`, wrapped in `admin_site.admin_view`). It
checks `workflows_app.change_workflow` itself, renders
`workflows_app/run_now.html` (an admin-styled form generated from the declared
inputs) and, on a valid POST, records the event with `start_manual_run` and
redirects to `?next=` (same host only) or the workflow's admin page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from workflows_app.forms.manual import manual_inputs_form
from workflows_app.manual import NON_FIELD_ERRORS, ManualInputError, start_manual_run
from workflows_app.models import Workflow
from workflows_app.tenancy.scoping import scope
from workflows_app.triggers.manual.trigger import Manual

PERMISSION = "workflows_app.change_workflow"
TEMPLATE = "workflows_app/run_now.html"


def _workflow_admin_url(workflow: Workflow, site_name: str) -> str | None:
    try:
        return reverse(f"{site_name}:workflows_app_workflow_change", args=[workflow.pk])
    except NoReverseMatch:
        return None


def _next_url(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


def run_now_view(request: HttpRequest, workflow: Workflow | int | str, *,
                 admin_site: admin.AdminSite | None = None,
                 extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Show the inputs form of a manual workflow (GET) or start it (POST)."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if not isinstance(workflow, Workflow):
        workflow = get_object_or_404(scope(Workflow.objects.all(), request.user), pk=workflow)
    site = admin_site or admin.site
    workflow_url = _workflow_admin_url(workflow, site.name)
    is_manual = workflow.trigger_type == Manual.key
    form_class = manual_inputs_form(workflow) if is_manual else None
    form = None
    if form_class is not None:
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                event = start_manual_run(workflow, form.cleaned_data, request.user)
            except ManualInputError as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS
                                   else None, message)
            else:
                messages.success(request, f"“{workflow.name}” was started (event #{event.pk}); "
                                          "the run appears in its history in a moment.")
                return HttpResponseRedirect(_next_url(request) or workflow_url
                                            or request.get_full_path())
    opts = Workflow._meta
    context = {
        **site.each_context(request),
        "title": f"Run “{workflow.name}” now",
        "subtitle": None,
        "workflow": workflow,
        "form": form,
        "is_manual": is_manual,
        "opts": opts,
        "has_view_permission": True,  # change_workflow implies viewing, as in the admin
        "workflow_url": workflow_url,
        "next": _next_url(request) or "",
        "media": form.media if form is not None else None,
        **(extra_context or {}),
    }
    status = 200 if is_manual else 400
    return TemplateResponse(request, TEMPLATE, context, status=status)
