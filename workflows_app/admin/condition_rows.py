"""The condition editor's parts rendered by the server (asked for through htmx).

`row`: a comparison row (`ConditionRowForm`): the reference picker, listing what
the row's place may test (grouped, by label and type: "Total amount (Number)"),
with a box for a path inside free-form JSON, and the operator list below. The
builder asks for it when it shows a row (a new one included); adding, removing
and grouping rows stays the script's, on the definition JSON.

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

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from workflows_app import json_samples
from workflows_app.forms.builder import rendering_inputs
from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.metadata import builder_scope_metadata

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

__all__ = ["ConditionRowForm", "available_entries", "may_ask", "offered_operators",
           "operators_view",
           "resolve_entry", "row_view"]

#: Largest definition the endpoint reads (a bigger one is the save's to refuse).
MAX_DEFINITION_CHARS = 2 * 1024 * 1024
TEMPLATE = "workflows_app/admin/builder/_operators.html"
ROW_TEMPLATE = "workflows_app/admin/builder/_condition_row.html"
#: How the scope's labels join a group and a field (the metadata's own joiner).
LABEL_JOINER = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
_STEP_PLACE = re.compile(r"^steps\[(\d+)\]")


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


def available_entries(scope: Mapping[str, Any], at: str) -> list[dict[str, Any]]:
    """What a row at place `at` may test: the trigger's values, the outputs of the
    steps before it, and what its own place adds (`item.*` inside a for-each)."""
    nested = (scope.get("nested") or {}).get(at) if at and not at.isdigit() else None
    if not at:
        top_index = None
    elif at.isdigit():
        top_index = int(at)
    else:
        found = _STEP_PLACE.match(at)
        top_index = int(found.group(1)) if found else 0
    own = {entry["path"] for entry in nested["paths"]} if nested else set()
    top = [entry for entry in scope.get("paths") or []
           if entry["path"] not in own
           and (entry.get("step") is None
                or (top_index is not None and entry["step"] < top_index))]
    return [entry for entry in [*top, *(nested["paths"] if nested else [])]
            if entry.get("selectable")]


def entry_label(entry: Mapping[str, Any]) -> str:
    """How a path reads inside its group: "Customer, Email" reads "Email (E-mail
    address)" under "Customer"."""
    label = str(entry.get("label") or entry["path"])
    group = str(entry.get("group") or "")
    if group and label.startswith(f"{group}{LABEL_JOINER}"):
        label = label[len(group) + len(LABEL_JOINER):]
    return f"{label} ({entry.get('type_label') or entry.get('type')})"


class RefSelect(forms.Select):
    """A reference `<select>` whose options say which paths take a sub-path."""

    def __init__(self, json_paths: set[str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.json_paths = json_paths

    def create_option(self, name: str, value: Any, label: Any, selected: Any, index: int,
                      subindex: int | None = None, attrs: dict[str, Any] | None = None
                      ) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["title"] = value
        if value in self.json_paths:
            option["attrs"]["data-json"] = "true"
        return option


class ConditionRowForm(forms.Form):
    """One comparison of a condition, as a row: what is tested (a path of the scope,
    grouped by where it comes from) and, for free-form JSON, the path inside it.
    The operator and the value are the row's other parts (`operators_view`)."""

    ref = forms.ChoiceField(label="Value to test", required=False)
    subpath = forms.CharField(label="Path inside the data", required=False)

    def __init__(self, scope: Mapping[str, Any], *, at: str, ref: str, path: str) -> None:
        entries = available_entries(scope, at)
        resolved = resolve_entry(scope, ref, at) if ref else None
        known = resolved is not None and any(entry is resolved for entry in entries)
        rest = ref[len(resolved["path"]) + 1:] if known and resolved and ref != resolved[
            "path"] else ""
        # No ids: a page holds many rows.
        super().__init__(initial={"ref": resolved["path"] if known and resolved else ref,
                                  "subpath": rest}, auto_id=False)
        groups: dict[str, list[tuple[str, str]]] = {}
        for entry in entries:
            groups.setdefault(str(entry.get("group") or ""), []).append(
                (entry["path"], entry_label(entry)))
        choices: list[Any] = [("", "Choose what to test…"), *groups.items()]
        if ref and not known:
            choices.append(("Not available here", [(ref, ref)]))
        json_paths = {entry["path"] for entry in entries if entry.get("json")}
        field = self.fields["ref"]
        field.choices = choices
        field.widget = RefSelect(json_paths, attrs={
            "class": "wb-ref-select", "aria-label": "Value to test",
            "data-focus": f"{path}|ref"})
        field.widget.choices = choices
        self.fields["subpath"].widget = forms.TextInput(attrs={
            "class": "wb-subpath", "placeholder": "sub-path, e.g. customer.id",
            "aria-label": "Path inside the data", "data-focus": f"{path}|subpath"})
        self.takes_subpath = known and resolved is not None and bool(resolved.get("json"))


def _record_json_field(scope: Mapping[str, Any],
                       entry: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """`("demo.order", "delivery")` when `entry` is a record's JSON field that may take
    a sample (`record.delivery`, `record.order.delivery`), else None."""
    if entry is None or not entry.get("json"):
        return None
    parent_path, _, name = str(entry["path"]).rpartition(".")
    parent = next((item for item in scope.get("paths") or []
                   if item.get("path") == parent_path), None)
    model = parent.get("model") if parent else None
    if not model or json_samples.find_json_field(f"{model}:{name}") is None:
        return None
    return model, name


def sample_url(request: HttpRequest, scope: Mapping[str, Any],
               entry: Mapping[str, Any] | None) -> str | None:
    """When a row tests a record's free-form JSON field: where the person may give it
    a sample (its "add" page with the field chosen), if they may."""
    found = _record_json_field(scope, entry)
    if found is None or not request.user.has_perm("workflows_app.add_jsonfieldsample"):
        return None
    model, name = found
    return (reverse("admin:workflows_app_jsonfieldsample_add") + "?"
            + urlencode({"json_field": f"{model}:{name}"}))


def may_ask(model_admin: WorkflowAdmin, request: HttpRequest, *, edit: bool) -> bool:
    """Whether `request` may ask the builder's endpoints: to edit (POST), those who may
    change or add workflows; to look (GET), those who may also only see them."""
    if edit:
        return (model_admin.has_change_permission(request)
                or model_admin.has_add_permission(request))
    return (model_admin.has_view_or_change_permission(request)
            or model_admin.has_add_permission(request))


class _Asked:
    """What a request from a condition row asks: the draft's scope and the row."""

    def __init__(self, model_admin: WorkflowAdmin, request: HttpRequest) -> None:
        editing = request.method == "POST"
        if not may_ask(model_admin, request, edit=editing):
            raise PermissionDenied
        query = request.POST if editing else request.GET
        self.raw = query.get("definition", "")
        self.ref = query.get("ref", "")[:500]
        self.op = query.get("op", "")[:100]
        self.at = query.get("at", "")[:500]
        self.path = query.get("path", "")[:500]
        self.pick = query.get("pick", "")[:1]
        # As the builder sends it: it keeps only the answer to its last question.
        self.echo = {"ref": self.ref, "op": self.op, "at": self.at, "path": self.path,
                     "pick": self.pick}
        self.check_url = None
        if editing:
            self.check_url = reverse(f"admin:{model_admin.url_name('builder_check')}",
                                     current_app=model_admin.admin_site.name)

    def scope(self) -> dict[str, Any]:
        """The scope metadata of the draft; raises `JSONInputError`."""
        definition = parse_definition_text(self.raw) if self.raw.strip() else {}
        with rendering_inputs(self.check_url):
            return builder_scope_metadata(definition)

    def operators_context(self, scope: Mapping[str, Any]) -> dict[str, Any]:
        entry = resolve_entry(scope, self.ref, self.at) if self.ref else None
        operators = offered_operators(scope, entry)
        names = [operator["name"] for operator in operators]
        op = self.op
        if op not in names and self.pick == "1":
            op = names[0] if names else ""
        chosen = next((operator for operator in operators if operator["name"] == op), None)
        return {
            "entry": entry,
            "operators": operators,
            "selected": op,
            "unknown": op if op and chosen is None else "",
            "path": self.path,
            "value": {"asked": self.echo, "op": op, "offered": chosen is not None,
                      "spec": chosen["value"] if chosen else None},
        }


def _answer(model_admin: WorkflowAdmin, request: HttpRequest, template: str,
            row: bool) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    asked = _Asked(model_admin, request)
    if len(asked.raw) > MAX_DEFINITION_CHARS:
        return HttpResponse("The definition is too large.", status=413)
    try:
        scope = asked.scope()
    except JSONInputError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    context = asked.operators_context(scope)
    context["sample_url"] = sample_url(request, scope, context.get("entry"))
    if row:
        context["form"] = ConditionRowForm(scope, at=asked.at, ref=asked.ref, path=asked.path)
    return render(request, template, context)


def operators_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """The operator `<select>` of a condition row and its value's input (see above)."""
    return _answer(model_admin, request, TEMPLATE, row=False)


def row_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """A condition row: its reference picker and its operator list (see above)."""
    return _answer(model_admin, request, ROW_TEMPLATE, row=True)
