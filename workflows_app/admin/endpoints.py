"""Small JSON endpoints the builder calls while someone edits.

- `scope`: the references, operators and compatible paths for a definition
  (`workflows_app.metadata.scope_metadata`)
  (GET `?definition=<json>` for anyone who may see workflows; POST with the
  definition as the JSON body for those who may edit them);
- `cron`: the plain-English reading of a cron expression, or why it is invalid.

Both are mounted under the workflow admin and wrapped in `admin_site.admin_view`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.metadata import scope_metadata
from workflows_app.triggers.schedule.trigger import cron_problem, describe_cron

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

MAX_DEFINITION_BYTES = 2 * 1024 * 1024


def _may_see(model_admin: WorkflowAdmin, request: HttpRequest) -> bool:
    return (model_admin.has_view_or_change_permission(request)
            or model_admin.has_add_permission(request))


def _may_edit(model_admin: WorkflowAdmin, request: HttpRequest) -> bool:
    return model_admin.has_change_permission(request) or model_admin.has_add_permission(request)


def scope_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """The scope metadata (see `workflows_app.metadata`) for a posted definition."""
    if request.method == "GET":
        if not _may_see(model_admin, request):
            raise PermissionDenied
        raw = request.GET.get("definition", "")
    elif request.method == "POST":
        if not _may_edit(model_admin, request):
            raise PermissionDenied
        if len(request.body) > MAX_DEFINITION_BYTES:
            return JsonResponse({"error": "the definition is too large"}, status=413)
        raw = request.body.decode("utf-8", errors="replace")
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        definition = parse_definition_text(raw) if raw.strip() else {}
    except JSONInputError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(scope_metadata(definition))


def cron_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """`{"description": ..., "problem": ...}` for `?cron=<expression>`."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not _may_see(model_admin, request):
        raise PermissionDenied
    expression = request.GET.get("cron", "")[:200]
    problem = cron_problem(expression)
    return JsonResponse({
        "cron": expression,
        "problem": problem,
        "description": "" if problem else describe_cron(expression),
    })
