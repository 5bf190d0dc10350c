"""The builder: the add and change page of a workflow.

The page holds the definition (docs/definition-format.md) as JSON in one hidden
field, `definition`; a small script renders the editor from it and from the
engine metadata embedded in the page, and writes the field back on every
change. On POST the whole definition goes through `services.save_definition`:
either it is valid and becomes the next version, or nothing is stored and the
page comes back with every error (`path` + `message`, and `place` + `plain`: the
same in words, `workflows_app.plain`), which the script shows next to the input
carrying the matching `data-path`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from engine import DefinitionError, InvalidDefinition
from engine.definition import check_definition
from workflows_app.admin.builder_panels import panels_for
from workflows_app.admin.step_cards import page_cards
from workflows_app.execution.redaction import redact_definition
from workflows_app.forms.builder import rendering_inputs
from workflows_app.forms.values import value_errors
from workflows_app.forms.widgets import RecordAutocomplete
from workflows_app.json_input import JSONInputError, parse_definition_text
from workflows_app.metadata import builder_metadata, builder_scope_metadata
from workflows_app.models import Workflow
from workflows_app.plain import for_people
from workflows_app.services import save_definition
from workflows_app.tenancy.scoping import creation_tenant, viewing_as
from workflows_app.triggers.base import AdminAction, AdminDetail, trigger_admins

if TYPE_CHECKING:
    from workflows_app.admin.workflow import WorkflowAdmin

NEW_DEFINITION: dict[str, Any] = {"schema_version": 1, "name": "", "description": "",
                                  "steps": []}


def live_state_text(workflow: Workflow) -> str:
    """Whether a saved workflow runs, in a sentence for the save message."""
    if workflow.is_live:
        return (f"It is live: new events start runs of version "
                f"{workflow.live_version.number}.")  # type: ignore[union-attr]
    if workflow.is_archived:
        return "It is archived and not active: it does not run."
    return "It is not active: it does not run until you activate it."


def parse_definition(raw: str) -> tuple[Any, list[DefinitionError]]:
    """Read the posted `definition` field strictly (`workflows_app.json_input`): an
    error, and no definition, when it is not JSON or passes the size limits (such
    a definition is not shown back: the page shows the stored one)."""
    if not raw.strip():
        return None, [DefinitionError("", "the form sent no definition")]
    try:
        return parse_definition_text(raw), []
    except JSONInputError as exc:
        return None, [DefinitionError(exc.path, exc.message)]


def posted_definition(request: HttpRequest) -> tuple[Any, list[DefinitionError]]:
    """The draft definition the builder's form posted, and what is wrong with reading
    it. The one place that turns the builder's fields into a definition: saving and
    the test panel (`workflows_app.admin.sandbox`) both read the draft here."""
    return parse_definition(request.POST.get("definition", ""))


class BuilderPage:
    """One request to the builder of `workflow` (None: a new workflow)."""

    template_name = "workflows_app/admin/builder.html"

    def __init__(self, model_admin: WorkflowAdmin, request: HttpRequest,
                 workflow: Workflow | None) -> None:
        self.model_admin = model_admin
        self.request = request
        self.workflow = workflow
        self.opts = model_admin.model._meta

    @classmethod
    def dispatch(cls, model_admin: WorkflowAdmin, request: HttpRequest,
                 object_id: str | None) -> HttpResponse:
        workflow = None
        if object_id is not None:
            workflow = model_admin.get_object(request, unquote(object_id))
            if workflow is None:
                return model_admin._get_obj_does_not_exist_redirect(
                    request, model_admin.model._meta, object_id)
        page = cls(model_admin, request, workflow)
        with viewing_as(request.user):  # pickers offer only the user's tenants' rows
            if request.method == "POST":
                return page.post()
            return page.get()

    # -- permissions -----------------------------------------------------------

    @property
    def adding(self) -> bool:
        return self.workflow is None

    def can_view(self) -> bool:
        if self.adding:
            return self.model_admin.has_add_permission(self.request)
        return self.model_admin.has_view_or_change_permission(self.request, self.workflow)

    def can_edit(self) -> bool:
        if self.adding:
            return self.model_admin.has_add_permission(self.request)
        return self.model_admin.has_change_permission(self.request, self.workflow)

    # -- views -----------------------------------------------------------------

    def get(self) -> HttpResponse:
        if not self.can_view():
            raise PermissionDenied
        return self.render(self.stored_definition(), [])

    def post(self) -> HttpResponse:
        if not self.can_edit():
            raise PermissionDenied
        change_note = self.request.POST.get("change_note", "").strip()
        definition, errors = posted_definition(self.request)
        if not errors:
            errors = self.form_errors(definition)
        if not errors:
            activate = True if "_activate" in self.request.POST else None
            try:
                tenant = creation_tenant(self.request) if self.adding else None
                result = save_definition(definition, workflow=self.workflow,
                                         user=self.request.user, change_note=change_note,
                                         tenant=tenant, activate=activate)
            except InvalidDefinition as exc:
                errors = exc.errors
            else:
                return self.saved(result.workflow, result.version.number, result.changed,
                                  result.created)
        shown = definition if isinstance(definition, dict) else self.stored_definition()
        return self.render(shown, errors, change_note=change_note)

    def form_errors(self, definition: Any) -> list[DefinitionError]:
        """What the form fields of the values say (`workflows_app.forms.values`), with
        the engine's errors elsewhere in the definition; nothing is saved then."""
        found = value_errors(definition)
        if not found:
            return []
        placed = {error.path for error in found}
        return found + [error for error in check_definition(definition)
                        if error.path not in placed]

    def saved(self, workflow: Workflow, number: int, changed: bool,
              created: bool) -> HttpResponse:
        admin = self.model_admin
        if created:
            admin.log_addition(self.request, workflow, [{"added": {}}])
        elif changed:
            admin.log_change(self.request, workflow, f"Saved version {number}")
        state = live_state_text(workflow)
        if changed:
            message = format_html("The workflow “{}” was saved as version {}. {}",
                                  workflow.name, number, state)
            messages.success(self.request, message)
        elif "_activate" in self.request.POST:
            messages.success(self.request, format_html(
                "The definition did not change; “{}” stays at version {}. {}", workflow.name,
                number, state))
        else:
            messages.info(self.request, format_html(
                "Nothing changed; “{}” is still at version {}. {}", workflow.name, number,
                state))
        if "_save" in self.request.POST:
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                          current_app=admin.admin_site.name)
        else:
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                          args=[workflow.pk], current_app=admin.admin_site.name)
        return HttpResponseRedirect(url)

    # -- rendering -------------------------------------------------------------

    def stored_definition(self) -> dict[str, Any]:
        if self.workflow is not None and self.workflow.live_version_id:
            return self.workflow.live_version.definition
        definition = dict(NEW_DEFINITION)
        if self.workflow is not None:
            definition.update(name=self.workflow.name, description=self.workflow.description)
        return definition

    def urls(self) -> dict[str, str]:
        name = self.model_admin.url_name
        site = self.model_admin.admin_site.name
        urls = {
            "scope": reverse(f"admin:{name('builder_scope')}", current_app=site),
            "cron": reverse(f"admin:{name('builder_cron')}", current_app=site),
            "check": reverse(f"admin:{name('builder_check')}", current_app=site),
            "operators": reverse(f"admin:{name('builder_operators')}", current_app=site),
            "conditionRow": reverse(f"admin:{name('builder_condition_row')}",
                                    current_app=site),
            "stepCard": reverse(f"admin:{name('builder_step_card')}", current_app=site),
            "autocomplete": reverse(f"admin:{name('builder_autocomplete')}", current_app=site),
        }
        if self.can_edit() and self.model_admin.has_change_permission(self.request):
            # What a draft may call before it is saved with its trigger.
            for draft_admin in trigger_admins.values():
                urls.update(draft_admin().draft_urls(self.model_admin))
        workflow = self.workflow
        admin_class = trigger_admins.find(workflow.trigger_type) if workflow else None
        if workflow is not None and admin_class is not None and self.can_edit():
            urls.update(admin_class().builder_urls(workflow, self.model_admin))
        return urls

    def trigger_extras(self, readonly: bool) -> tuple[list[AdminAction], list[AdminDetail]]:
        """What the workflow's trigger adds to the page (its `TriggerAdmin`: "Run now",
        a webhook's address...), for those who may change the workflow."""
        workflow = self.workflow
        admin_class = trigger_admins.find(workflow.trigger_type) if workflow else None
        if workflow is None or readonly or admin_class is None:
            return [], []
        trigger_admin = admin_class()
        return (trigger_admin.actions(workflow, self.request, self.model_admin),
                trigger_admin.details(workflow, self.request, self.model_admin))

    def render(self, definition: Any, errors: list[DefinitionError], *,
               change_note: str = "") -> HttpResponse:
        request = self.request
        admin = self.model_admin
        readonly = not self.can_edit()
        if readonly:  # values its steps declare secret are for those who may change it
            definition = redact_definition(definition)
        error_dicts = [for_people(definition, error) for error in errors]
        trigger_actions, trigger_details = self.trigger_extras(readonly)
        # Each value input as HTML, from its form field (checked as typed by editors).
        check_url = None if readonly else self.urls()["check"]
        with rendering_inputs(check_url):
            metadata = builder_metadata(urls=self.urls(), readonly=readonly,
                                        scope=builder_scope_metadata(definition),
                                        errors=error_dicts)
        # The cards of the steps shown (the script asks for those of new steps).
        step_cards = page_cards(request, definition, check_url=check_url)
        workflow = self.workflow
        if self.adding:
            title = f"Add {self.opts.verbose_name}"
        elif readonly:
            title = f"View {self.opts.verbose_name}"
        else:
            title = f"Change {self.opts.verbose_name}"
        versions = []
        if workflow is not None:
            versions = list(workflow.versions.select_related("created_by").order_by("-number"))
        context = {
            **admin.admin_site.each_context(request),
            "title": title,
            "subtitle": str(workflow) if workflow else None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": workflow,
            "add": self.adding,
            "change": not self.adding,
            "is_popup": False,
            "readonly": readonly,
            "errors": error_dicts,
            "definition_json": json.dumps(definition, ensure_ascii=False, indent=2),
            "metadata": metadata,
            "step_catalogue": metadata["steps"],
            "step_cards": step_cards,
            "trigger_catalogue": metadata["triggers"],
            "versions": versions,
            "change_note": change_note,
            "has_view_permission": admin.has_view_or_change_permission(request, workflow),
            "has_add_permission": admin.has_add_permission(request),
            "has_change_permission": (not self.adding
                                      and admin.has_change_permission(request, workflow)),
            "has_delete_permission": (not self.adding
                                      and admin.has_delete_permission(request, workflow)),
            "trigger_label": admin.trigger_display(workflow) if workflow else "",
            "trigger_actions": trigger_actions,
            "trigger_details": trigger_details,
            "builder_panels": panels_for(self),
            # Django admin's autocomplete (select2) for record and user pickers.
            "autocomplete_media": RecordAutocomplete("").media,
        }
        return TemplateResponse(request, self.template_name, context)
