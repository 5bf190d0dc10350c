"""The "Run now" form of a `manual` workflow, generated from its declared inputs.

Each input becomes one form field, chosen from its engine type through the one
value-type -> form-field mapping of `workflows_app.forms.fields`
(`register_form_field` is importable from here too, as before).
"""

from __future__ import annotations

from typing import Any

from django import forms

from workflows_app.forms.fields import (
    MAX_RECORD_CHOICES,
    FormFieldFactory,
    LinesField,
    form_field_for,
    form_field_registry,
    register_form_field,
)
from workflows_app.manual import ManualInputError, clean_manual_inputs
from workflows_app.models import Workflow
from workflows_app.tenancy.scoping import tenant_visibility, viewing_as
from workflows_app.triggers.manual.trigger import input_fields

__all__ = ["MAX_RECORD_CHOICES", "FormFieldFactory", "LinesField", "ManualInputsForm",
           "form_field_for", "form_field_registry", "manual_inputs_form",
           "register_form_field"]


class ManualInputsForm(forms.Form):
    """One field per declared input; `clean()` applies the same checks as
    `start_manual_run` and puts each message on its field."""

    def __init__(self, *args: Any, workflow: Workflow, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workflow = workflow
        # Record choices: with tenancy on, the records of the workflow's tenant.
        with viewing_as(tenant_visibility(workflow.tenant_id)):
            for scope_field, required, default in input_fields(workflow.trigger_config or {}):
                self.fields[scope_field.name] = form_field_for(
                    scope_field.type, label=scope_field.display_label, required=required,
                    help_text=scope_field.help, initial=default)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            clean_manual_inputs(self.workflow, cleaned)
        except ManualInputError as exc:
            for name, message in exc.errors.items():
                if name in self.errors:
                    continue  # the form field already said what is wrong
                self.add_error(name if name in self.fields else None, message)
        return cleaned


def manual_inputs_form(workflow: Workflow) -> type[ManualInputsForm]:
    """A form class for the declared inputs of `workflow`:
    `manual_inputs_form(workflow)(request.POST or None)`."""

    class WorkflowInputsForm(ManualInputsForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("workflow", workflow)
            super().__init__(*args, **kwargs)

    WorkflowInputsForm.__name__ = f"Workflow{workflow.pk}InputsForm"
    return WorkflowInputsForm
