"""Download and upload definitions as JSON, in the format `workflows_import` reads.

Download: an admin action returning the selected workflows' live definitions
as one JSON list. Upload: a page taking a file with one definition or a list;
every definition is validated first and then all are imported in one
transaction through `services.import_definition`, so an invalid file stores
nothing, and importing an unchanged file makes no new version.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify

from engine import DefinitionError, InvalidDefinition, check_definition
from workflows_app.execution.redaction import redact_definition
from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.models import Workflow
from workflows_app.services import export_definition, import_definition
from workflows_app.tenancy.scoping import creation_tenant

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@admin.action(description="Download JSON of the selected workflows", permissions=["view"])
def download_json(model_admin: WorkflowAdmin, request: HttpRequest,
                  queryset: QuerySet[Workflow]) -> HttpResponse | None:
    """One JSON file with the live definition of every selected workflow."""
    selected = list(queryset.select_related("live_version").order_by("name"))
    exportable = [workflow for workflow in selected if workflow.live_version_id]
    skipped = [workflow.name for workflow in selected if not workflow.live_version_id]
    if skipped:
        messages.warning(request, "Not exported (no saved definition): " + ", ".join(skipped))
    if not exportable:
        return None
    # Values the steps declare secret go only to those who may change the workflow.
    data = [export_definition(workflow) if model_admin.has_change_permission(request, workflow)
            else redact_definition(export_definition(workflow)) for workflow in exportable]
    filename = (f"{slugify(exportable[0].name) or 'workflow'}.json" if len(exportable) == 1
                else "workflows.json")
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ImportForm(forms.Form):
    """The upload form of the import page."""

    file = forms.FileField(label="JSON file",
                           help_text="One workflow definition, or a list of them, as "
                                     "exported by “Download JSON” or workflows_export.")


def read_definitions(data: bytes) -> tuple[list[Any], list[DefinitionError], bool]:
    """The definitions in an uploaded file, the errors found, and whether it held a list.

    Every definition is validated; names must be unique within the file.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [DefinitionError("", f"the file is not UTF-8 text ({exc.reason})")], False
    try:
        parsed = parse_definition_text(text, as_list=True)
    except JSONInputError as exc:
        return [], [DefinitionError(exc.path, exc.message)], False
    is_list = isinstance(parsed, list)
    definitions = parsed if is_list else [parsed]
    if not definitions:
        return [], [DefinitionError("", "the file holds an empty list")], is_list
    errors: list[DefinitionError] = []
    for index, definition in enumerate(definitions):
        prefix = f"[{index}]" if is_list else ""
        for error in check_definition(definition):
            path = f"{prefix}.{error.path}" if prefix and error.path else (prefix or error.path)
            errors.append(DefinitionError(path, error.message))
    names = Counter(str(definition.get("name", "")).strip() for definition in definitions
                    if isinstance(definition, dict))
    for name, count in names.items():
        if name and count > 1:
            errors.append(DefinitionError("", f'the file holds {count} workflows named "{name}"'))
    return definitions, errors, is_list


def import_view(model_admin: WorkflowAdmin, request: HttpRequest) -> HttpResponse:
    """Upload a JSON file of definitions (needs add and change permission)."""
    if not (model_admin.has_add_permission(request)
            and model_admin.has_change_permission(request)):
        raise PermissionDenied
    opts = model_admin.model._meta
    errors: list[DefinitionError] = []
    filename = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            filename = upload.name
            if upload.size > MAX_UPLOAD_BYTES:
                errors = [DefinitionError("", "the file is larger than 5 MB")]
            else:
                definitions, errors, _ = read_definitions(upload.read())
                if not errors:
                    try:
                        summary = _import_all(model_admin, request, definitions, filename)
                    except InvalidDefinition as exc:
                        errors = exc.errors
                    else:
                        messages.success(request, f"Imported {filename}: {summary}.")
                        return HttpResponseRedirect(reverse(
                            f"admin:{opts.app_label}_{opts.model_name}_changelist",
                            current_app=model_admin.admin_site.name))
            for error in errors:
                messages.error(request, f"{filename}: {error}")
    else:
        form = ImportForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Import workflows from JSON",
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "errors": [error.as_dict() for error in errors],
        "filename": filename,
        "has_view_permission": model_admin.has_view_or_change_permission(request),
    }
    return TemplateResponse(request, "workflows_app/admin/import.html", context)


def _import_all(model_admin: WorkflowAdmin, request: HttpRequest, definitions: list[Any],
                filename: str) -> str:
    counts: Counter[str] = Counter()
    tenant = creation_tenant(request)  # with tenancy on: names match in this tenant
    with transaction.atomic():
        for definition in definitions:
            result = import_definition(definition, user=request.user,
                                       change_note=f"Imported from {filename}", tenant=tenant)
            if result.created:
                counts["created"] += 1
                model_admin.log_addition(request, result.workflow, f"Imported from {filename}")
            elif result.changed:
                counts["updated"] += 1
                model_admin.log_change(request, result.workflow,
                                       f"Imported from {filename} as version "
                                       f"{result.version.number}")
            else:
                counts["unchanged"] += 1
    return ", ".join(f"{counts[key]} {key}" for key in ("created", "updated", "unchanged"))
