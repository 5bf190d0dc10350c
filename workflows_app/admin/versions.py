"""Versions of a workflow: compare any two, restore one, browse them read-only.

Restoring goes through `services.restore_version`, which saves the old
definition as a new version; no version is ever modified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from engine import InvalidDefinition
from engine.redaction import REDACTED
from workflows_app.admin.diff import Change, path_changes, pretty, readable_path, unified_diff
from workflows_app.admin.diff_values import labelled_at
from workflows_app.admin.hygiene import RefuseNulQueryMixin
from workflows_app.execution.redaction import redact_definition
from workflows_app.models import Workflow, WorkflowVersion
from workflows_app.services import restore_version
from workflows_app.tenancy.admin import TenantScopedAdminMixin

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

#: Set on a version by `WorkflowVersionAdmin.get_object` for users who may see secrets.
REVEAL_ATTRIBUTE = "_workflows_reveal_secrets"


def _workflow(model_admin: WorkflowAdmin, request: HttpRequest, object_id: str) -> Workflow:
    workflow = model_admin.get_object(request, unquote(object_id))
    if workflow is None:
        raise Http404("No such workflow.")
    return workflow


def _number(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def diff_lines(old: Any, new: Any, old_name: str, new_name: str) -> list[tuple[str, str]]:
    """Unified diff lines with a CSS class each ("add", "remove", "hunk", "")."""
    classified = []
    for line in unified_diff(old, new, old_name=old_name, new_name=new_name):
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = ""
        classified.append((kind, line))
    return classified


def _visible_changes(raw_a: Any, raw_b: Any, shown_a: Any, shown_b: Any) -> list[Change]:
    """The changes between two versions as shown (`shown_*`: redacted for people
    who may not change the workflow). A secret that changed is listed as changed,
    with both values hidden, rather than disappearing from the list."""
    shown = {change.path: change for change in path_changes(shown_a, shown_b)}
    changes = []
    for change in path_changes(raw_a, raw_b):
        if change.path in shown:
            changes.append(shown.pop(change.path))
        elif shown_a is not raw_a:
            changes.append(Change(change.path, change.kind,
                                  old=REDACTED if change.kind != "added" else None,
                                  new=REDACTED if change.kind != "removed" else None))
    return changes + list(shown.values())


def _in_words(change: Change, definition_a: Any, definition_b: Any) -> Change:
    """`change` with choices shown by their labels ("Confirmed", not "confirmed")."""
    return Change(change.path, change.kind,
                  old=labelled_at(definition_a, change.path, change.old),
                  new=labelled_at(definition_b, change.path, change.new))


def compare_view(model_admin: WorkflowAdmin, request: HttpRequest,
                 object_id: str) -> HttpResponse:
    """Differences between versions `?a=` (older) and `?b=` (newer) of a workflow."""
    workflow = _workflow(model_admin, request, object_id)
    if not model_admin.has_view_or_change_permission(request, workflow):
        raise PermissionDenied
    versions = list(workflow.versions.select_related("created_by").order_by("-number"))
    if not versions:
        raise Http404("This workflow has no versions yet.")
    live_number = workflow.live_version.number if workflow.live_version else versions[0].number
    number_b = _number(request.GET.get("b"), live_number)
    number_a = _number(request.GET.get("a"), max(number_b - 1, 1))
    by_number = {version.number: version for version in versions}
    if number_a not in by_number or number_b not in by_number:
        raise Http404("No such version.")
    version_a, version_b = by_number[number_a], by_number[number_b]
    can_change = model_admin.has_change_permission(request, workflow)
    # Values the steps declare secret are for those who may change the workflow.
    definition_a = version_a.definition if can_change else redact_definition(
        version_a.definition)
    definition_b = version_b.definition if can_change else redact_definition(
        version_b.definition)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Compare versions of {workflow}",
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "original": workflow,
        "versions": versions,
        "version_a": version_a,
        "version_b": version_b,
        "live_number": live_number,
        "changes": [(_in_words(change, definition_a, definition_b),
                     readable_path(change.path, definition_b
                                   if change.kind != "removed" else definition_a))
                    for change in _visible_changes(version_a.definition, version_b.definition,
                                                   definition_a, definition_b)],
        "diff_lines": diff_lines(definition_a, definition_b,
                                 f"version {number_a}", f"version {number_b}"),
        "definition_b": pretty(definition_b),
        "can_restore": can_change,
        "has_view_permission": True,
    }
    return TemplateResponse(request, "workflows_app/admin/version_compare.html", context)


def restore_view(model_admin: WorkflowAdmin, request: HttpRequest, object_id: str,
                 number: int) -> HttpResponse:
    """Make version `number` live again, as a new version (POST only)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    workflow = _workflow(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, workflow):
        raise PermissionDenied
    version = get_object_or_404(WorkflowVersion, workflow=workflow, number=number)
    try:
        result = restore_version(version, user=request.user)
    except InvalidDefinition as exc:
        # An old version may no longer validate (a step or model was removed since).
        for error in exc.errors:
            messages.error(request, f"Version {number} cannot be restored: {error}")
    else:
        if result.changed:
            model_admin.log_change(request, result.workflow,
                                   f"Restored version {number} as version "
                                   f"{result.version.number}")
            messages.success(request, format_html(
                "Version {} was restored as version {}.", number, result.version.number))
        else:
            messages.info(request, format_html(
                "Version {} is the same as the live version; nothing changed.", number))
    opts = model_admin.model._meta
    return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                        args=[workflow.pk],
                                        current_app=model_admin.admin_site.name))


class WorkflowVersionAdmin(TenantScopedAdminMixin, RefuseNulQueryMixin, admin.ModelAdmin):
    """Versions, read-only: they are created by saving a workflow and never changed."""

    list_display = ["__str__", "workflow", "number", "created_by", "created_at", "change_note"]
    list_filter = ["workflow", "created_at"]
    search_fields = ["workflow__name", "change_note"]
    list_select_related = ["workflow", "created_by"]
    fields = ["workflow", "number", "created_by", "created_at", "change_note", "checksum",
              "pretty_definition"]
    readonly_fields = fields

    @admin.display(description="definition")
    def pretty_definition(self, obj: WorkflowVersion) -> str:
        definition = obj.definition
        if not getattr(obj, REVEAL_ATTRIBUTE, False):
            definition = redact_definition(definition)
        return format_html('<pre class="workflow-json">{}</pre>', pretty(definition))

    def get_object(self, request: HttpRequest, object_id: str,
                   from_field: str | None = None) -> WorkflowVersion | None:
        """The version, marked with whether this user may see its secret values (those
        who may change its workflow)."""
        version = super().get_object(request, object_id, from_field)
        if version is not None:
            workflow_admin = self.admin_site._registry.get(Workflow)
            reveal = bool(workflow_admin and workflow_admin.has_change_permission(
                request, version.workflow))
            setattr(version, REVEAL_ATTRIBUTE, reveal)
        return version

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
