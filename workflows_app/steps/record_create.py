"""`record.create`: create a record of a registered model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from engine import DefinitionError, Output, Param, ScopeField, StepType, step_registry
from engine.errors import ValueParseError, join_path
from engine.params import compile_param_value
from engine.steps import StepCheck
from engine.types import JSON, Record, String, ValueType
from engine.types.base import describe_raw
from workflows_app.execution.flow import StepError
from workflows_app.records import get_registration, trigger_model_choices
from workflows_app.steps.types import AnyRecord
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy.events import current_tenant
from workflows_app.tenancy.scoping import tenant_visibility
from workflows_app.work.types import LazyOptions


class ModelName(LazyOptions, String):
    """A model registered for workflows, by label (`"demo.order"`)."""

    name = "ModelName"
    label = "Model"
    widget = "select"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or get_registration(raw) is None:
            known = ", ".join(label for label, _ in trigger_model_choices())
            raise ValueParseError(f"{describe_raw(raw)} is not a model registered for "
                                  f"workflows (registered: {known})")
        return raw.lower()

    def options(self) -> list[tuple[Any, str]]:
        return trigger_model_choices()

    def accepts(self, other: ValueType) -> bool:
        return False  # written in the definition: the step's outputs depend on it

    @property
    def spec(self) -> str:
        return "ModelName"


def _model(step: StepCheck | Any) -> str | None:
    raw = step.raw_params.get("model")
    return raw.lower() if isinstance(raw, str) and get_registration(raw) else None


@step_registry.register
class CreateRecord(StepType):
    """Creates a record of a registered model from typed field values (literals,
    references, templates for text). The new record is the step's output
    (`steps.<key>.record`), so later steps can change it, link a task to it or
    put its fields in a message. The save carries the run's causal chain."""

    key = "record.create"
    label = "Create a record"
    description = "Add a record, e.g. a follow-up or a credit note."
    group = "Records"
    params = (
        Param("model", ModelName(), "Model", help="What kind of record to create."),
        Param("fields", JSON(), "Fields", help="The new record's field values.",
              extra={"widget": "record_fields"}),
    )
    outputs = (Output("record", AnyRecord(), "New record"),)
    transactional = True
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        model = _model(step)
        if model is None:
            return []  # the model param's own error says why
        fields_path = join_path(join_path(step.path, "params"), "fields")
        fields = step.raw_params.get("fields")
        if not isinstance(fields, Mapping):
            return [DefinitionError(fields_path, "give the new record's fields as an object")]
        record_type = Record(model)
        available = record_type.children()
        errors: list[DefinitionError] = []
        for name, value in fields.items():
            path = join_path(fields_path, str(name))
            field = available.get(name)
            if field is None:
                errors.append(DefinitionError(
                    path, f'{record_type.model_label} has no field "{name}" registered for '
                          f'workflows (fields: {", ".join(sorted(available))})'))
            elif not field.extra.get("editable", False):
                errors.append(DefinitionError(path, f'"{name}" cannot be set by a workflow'))
            else:
                compile_param_value(value, field.type, step.schema, path, errors)
        return errors

    def output_fields(self, step: StepCheck | None) -> list[ScopeField]:
        model = _model(step) if step is not None else None
        if model is None:
            return super().output_fields(step)
        return [ScopeField("record", Record(model), "New record")]

    def resolve_inputs(self, step: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        model = str(step.raw_params["model"]).lower()
        record_type = Record(model)
        errors: list[DefinitionError] = []
        fields: dict[str, Any] = {}
        for name, raw in (step.raw_params.get("fields") or {}).items():
            field = record_type.child(name)
            compiled = compile_param_value(raw, field.type, step.schema, name, errors)
            if compiled is None:
                raise StepError("; ".join(str(error) for error in errors))
            fields[name] = compiled.resolve(values, step.schema)
        return {"model": model, "fields": fields}

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        registration = get_registration(inputs["model"])
        if registration is None:
            raise StepError(f"{inputs['model']} is no longer registered for workflows")
        instance = registration.model()
        for name, value in inputs["fields"].items():
            model_field = instance._meta.get_field(name)
            if model_field.many_to_one or model_field.one_to_one:
                setattr(instance, model_field.attname,
                        None if value is None else getattr(value, "record_pk", value))
            else:
                setattr(instance, model_field.attname, value)
        try:
            instance.full_clean()
        except ValidationError as exc:
            raise StepError("; ".join(f"{key}: {' '.join(messages)}" for key, messages
                                      in exc.message_dict.items())) from None
        if tenancy_config.enabled() and not tenant_visibility(current_tenant()).allows(
                registration.tenant_key(instance)):
            raise StepError(f"a {registration.verbose_name} of another tenant cannot be "
                            "created by this workflow")
        instance.save()
        context.log(f"created {registration.verbose_name} {instance}")
        return {"record": [registration.label, instance.pk]}
