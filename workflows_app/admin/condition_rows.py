"""The condition editor's parts rendered by the server (asked for through htmx).

`operators`: the operator list of one condition row, for the reference chosen in
it, and the input of the value that operator compares with. The builder sends the
draft definition (`definition`, the JSON of the page's hidden field), the reference
(`ref`), the operator the row has (`op`), the row's place (`at`: empty for the
workflow's conditions, a step's number, or a nested step's path) and its path (for
the error messages and focus). The operators come from the engine
(`engine.conditions.available_operators`, through the scope metadata): those of the
reference's type, in its order, with `changed*` only where the trigger keeps the
value from before the change; their labels are the operators' own words ("is
greater than"). A type a project registers (`engine.types`) gets its operators and,
through `workflows_app.forms.fields.form_field_for`, its value input here, with no
JavaScript.

The answer is an HTML fragment: the `<select>` and, as JSON (`json_script`), the
description of the value the chosen operator takes, its input already rendered
(`input.html`). With `pick=1` (the reference has just changed) an operator the
reference does not offer is replaced by its first one; otherwise it is shown as
"(not offered)", as stored.

GET (`?definition=…`) for anyone who may see workflows; POST for those who may edit
them. Mounted under the workflow admin, wrapped in `admin_site.admin_view`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse

from workflows_app.forms.builder import rendering_inputs
from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.metadata import builder_scope_metadata

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

__all__ = ["offered_operators", "operators_view", "resolve_entry"]

#: Largest definition the endpoint reads (a bigger one is the save's to refuse).
MAX_DEFINITION_CHARS = 2 * 1024 * 1024
TEMPLATE = "workflows_app/admin/builder/_operators.html"


def resolve_entry(scope: Mapping[str, Any], ref: str, at: str) -> dict[str, Any] | None:
    """The listed path `ref` at place `at` (a nested step's own listing first), or the
    free-form JSON value it goes into (`payload.alert.severity` under `payload`)."""
    nested = (scope.get("nested") or {}).get(at) if at else None
    listings = [nested["paths"]] if nested else []
    listings.append(scope.get("paths") or [])

    def find(path: str) -> dict[str, Any] | None:
        for listing in listings:
            for entry in listing:
                if entry.get("path") == path:
                    return entry
        return None

    found = find(ref)
    if found is not None:
        return found
    segments = ref.split(".")
    for size in range(len(segments) - 1, 0, -1):
        entry = find(".".join(segments[:size]))
        if entry is not None and entry.get("json"):
            return entry
    return None


def offered_operators(scope: Mapping[str, Any], entry: Mapping[str, Any] | None
                      ) -> list[dict[str, Any]]:
    """The operators `entry` offers, in the order its type lists them."""
    if not entry:
        return []
    described = (scope.get("types") or {}).get(entry.get("type"))
    if not described:
        return []
    offered = set(entry.get("ops") or ())
    return [operator for operator in described["operators"] if operator["name"] in offered]


def _may(model_admin: WorkflowAdmin, request: HttpRequest, *, edit: bool) -> bool:
    if edit:
        return (model_admin.has_change_permission(request)
                or model_admin.has_add_permission(request))
    return (model_admin.has_view_or_change_permission(request)
            or model_admin.has_add_permission(request))


def operators_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """The operator `<select>` of a condition row and its value's input (see above)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    editing = request.method == "POST"
    if not _may(model_admin, request, edit=editing):
        raise PermissionDenied
    query = request.POST if editing else request.GET
    raw = query.get("definition", "")
    if len(raw) > MAX_DEFINITION_CHARS:
        return HttpResponse("The definition is too large.", status=413)
    try:
        definition = parse_definition_text(raw) if raw.strip() else {}
    except JSONInputError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    ref = query.get("ref", "")[:500]
    op = query.get("op", "")[:100]
    at = query.get("at", "")[:500]
    path = query.get("path", "")[:500]
    # What was asked, as the builder sends it: it keeps only the answer to its last question.
    asked = {"ref": ref, "op": op, "at": at, "path": path, "pick": query.get("pick", "")[:1]}
    check_url = None
    if editing:
        check_url = reverse(f"admin:{model_admin.url_name('builder_check')}",
                            current_app=model_admin.admin_site.name)
    with rendering_inputs(check_url):
        scope = builder_scope_metadata(definition)
    entry = resolve_entry(scope, ref, at) if ref else None
    operators = offered_operators(scope, entry)
    names = [operator["name"] for operator in operators]
    if op not in names and query.get("pick") == "1":
        op = names[0] if names else ""
    chosen = next((operator for operator in operators if operator["name"] == op), None)
    return render(request, TEMPLATE, {
        "entry": entry,
        "operators": operators,
        "selected": op,
        "unknown": op if op and chosen is None else "",
        "path": path,
        "value": {"asked": asked, "op": op, "offered": chosen is not None,
                  "spec": chosen["value"] if chosen else None},
    })
