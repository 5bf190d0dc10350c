"""`record.update`: set fields of a record."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Model, signals

from engine import DefinitionError, Output, Param, ScopeField, StepType, step_registry
from engine.errors import join_path
from engine.params import compile_param_value
from engine.steps import StepCheck
from engine.types import JSON, Record
from workflows_app.execution import statements
from workflows_app.execution.context import Cause, caused_by, current_cause
from workflows_app.execution.flow import StepError
from workflows_app.records import get_registration
from workflows_app.steps.types import AnyRecord
from workflows_app.tenancy import config as tenancy_config
from workflows_app.tenancy.events import workflow_tenant
from workflows_app.tenancy.scoping import tenant_visibility


class _Batch:
    """The records of a batch of steps, locked and loaded at once
    (`UpdateRecord.prefetch`), and their saves, written together when the batch
    ends: one pipelined round trip of `UPDATE`s per model and set of fields
    instead of one `save()` each.

    A deferred save is what `Model.save(update_fields=...)` does, in the same
    order: `pre_save` when the step runs, then (at the end of the batch, in the
    same transaction) the `UPDATE` with each field's `pre_save` value
    (`auto_now`), then `post_save` with `update_fields`, sent in the causal
    context of the run that made the change (loop prevention). Models that
    override `save()` / `save_base()`, proxies and models that inherit from a
    concrete model are saved one by one with their own `save()`.
    """

    def __init__(self, records: dict[tuple[str, str], Any]) -> None:
        self.records = records
        self.saves: list[tuple[Any, tuple[str, ...], Cause | None]] = []

    def defer(self, instance: Any, update_fields: list[str]) -> bool:
        """Save `instance` with the batch; False when it must be saved at once."""
        model = type(instance)
        if (model.save is not Model.save or model.save_base is not Model.save_base
                or model._meta.parents or model._meta.proxy):
            return False
        using = router.db_for_write(model, instance=instance)
        signals.pre_save.send(sender=model, instance=instance, raw=False,
                              using=using, update_fields=frozenset(update_fields))
        self.saves.append((instance, tuple(update_fields), current_cause()))
        return True

    def flush(self) -> None:
        groups: dict[tuple[type, tuple[str, ...]], list[Any]] = {}
        for instance, fields, _cause in self.saves:
            groups.setdefault((type(instance), fields), []).append(instance)
        for (_model, fields), instances in groups.items():
            statements.update(instances, fields)
        for instance, fields, cause in self.saves:
            model = type(instance)
            using = router.db_for_write(model, instance=instance)
            instance._state.adding = False
            instance._state.db = using
            with caused_by(cause):
                signals.post_save.send(sender=model, instance=instance,
                                       created=False, update_fields=frozenset(fields),
                                       raw=False, using=using)
        self.saves = []


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "workflows_record_update_batch", default=None)


@contextlib.contextmanager
def _using(records: dict[tuple[str, str], Any]) -> Iterator[None]:
    batch = _Batch(records)
    token = _batch.set(batch)
    try:
        yield
        batch.flush()
    finally:
        _batch.reset(token)


def _record_type(step: StepCheck) -> Record | None:
    record = step.params.get("record")
    value_type = getattr(record, "value_type", None)
    return value_type if isinstance(value_type, Record) else None


@step_registry.register
class UpdateRecord(StepType):
    """Sets fields of a record of a registered model and saves it.

    `fields` maps field names to values: literals, `{"ref": ...}` references or,
    for text fields, templates. Only registered, editable fields may be set; each
    value is checked against the field's type when the workflow is saved.
    The save carries this run's causal chain, so workflows it triggers know
    where it came from (loop prevention).
    """

    key = "record.update"
    label = "Update a record"
    description = "Change fields of a record, e.g. set an order's status."
    group = "Records"
    params = (
        Param("record", AnyRecord(), "Record", help="Which record to change."),
        Param("fields", JSON(), "Fields", help="The fields to set and their new values.",
              extra={"widget": "record_fields"}),
    )
    outputs = (Output("record", AnyRecord(), "Updated record"),)
    transactional = True

    def check(self, step: StepCheck) -> list[DefinitionError]:
        record_type = _record_type(step)
        fields_path = join_path(join_path(step.path, "params"), "fields")
        if record_type is None:
            return [DefinitionError(join_path(join_path(step.path, "params"), "record"),
                                    'choose a record with {"ref": ...}, e.g. {"ref": "record"}')]
        fields = step.raw_params.get("fields")
        if not isinstance(fields, Mapping) or not fields:
            return [DefinitionError(fields_path, "name at least one field to set")]
        errors: list[DefinitionError] = []
        available = record_type.children()
        for name, value in fields.items():
            path = join_path(fields_path, str(name))
            field = available.get(name)
            if field is None:
                errors.append(DefinitionError(
                    path, f'{record_type.model_label} has no field "{name}" registered for '
                          f'workflows (fields: {", ".join(sorted(available))})'))
                continue
            if not field.extra.get("editable", False):
                errors.append(DefinitionError(path, f'"{name}" cannot be changed by a workflow'))
                continue
            compile_param_value(value, field.type, step.schema, path, errors)
        return errors

    def output_fields(self, step: StepCheck | None) -> list[ScopeField]:
        record_type = _record_type(step) if step is not None else None
        if record_type is None:
            return super().output_fields(step)
        return [ScopeField("record", record_type, "Updated record")]

    def resolve_inputs(self, step: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        record = step.params["record"].resolve(values, step.schema)
        record_type = step.params["record"].value_type
        errors: list[DefinitionError] = []
        fields: dict[str, Any] = {}
        for name, raw in (step.raw_params.get("fields") or {}).items():
            field = record_type.child(name)
            compiled = compile_param_value(raw, field.type, step.schema, name, errors)
            if compiled is None:
                raise StepError("; ".join(str(error) for error in errors))
            fields[name] = compiled.resolve(values, step.schema)
        return {"record": record, "fields": fields}

    def prefetch(self, batch: list[dict[str, Any]]) -> contextlib.AbstractContextManager[None]:
        """Lock and load the records of a batch of steps, one query per model."""
        wanted: dict[str, set[Any]] = {}
        for inputs in batch:
            record = inputs.get("record")
            model = getattr(record, "model", None)
            if isinstance(model, str) and getattr(record, "record_pk", None) is not None:
                wanted.setdefault(model, set()).add(record.record_pk)
        records: dict[tuple[str, str], Any] = {}
        for label, pks in wanted.items():
            registration = get_registration(label)
            if registration is None:
                continue
            for instance in (registration.model._default_manager.select_for_update()
                             .filter(pk__in=pks).order_by("pk")):
                records[(registration.label, str(instance.pk))] = instance
        return _using(records)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        record = inputs["record"]
        if record is None:
            raise StepError("the record to update is not set", retryable=False)
        model = getattr(record, "model", None)
        registration = get_registration(model) if isinstance(model, str) else None
        if registration is None:
            raise StepError(f"{model} is not registered for workflows", retryable=False)
        batch = _batch.get()
        instance = batch.records.pop((registration.label, str(record.record_pk)), None) \
            if batch is not None else None
        locked = instance is not None
        if instance is None and batch is not None:
            batch.flush()  # this record may have a save pending: it comes first
        if instance is None:
            instance = (registration.model._default_manager.select_for_update()
                        .filter(pk=record.record_pk).first())
        if instance is None or not _same_tenant(registration, instance, context):
            raise StepError(f"{registration.verbose_name} #{record.record_pk} no longer exists",
                            retryable=False)
        update_fields = []
        for name, value in inputs["fields"].items():
            model_field = instance._meta.get_field(name)
            if model_field.many_to_one or model_field.one_to_one:
                setattr(instance, model_field.attname,
                        None if value is None else getattr(value, "record_pk", value))
            else:
                setattr(instance, model_field.attname, value)
            update_fields.append(model_field.name)
        update_fields += [f.name for f in instance._meta.concrete_fields
                          if getattr(f, "auto_now", False) and f.name not in update_fields]
        try:
            instance.full_clean(exclude=[f.name for f in instance._meta.fields
                                         if f.name not in update_fields], validate_unique=False)
        except ValidationError as exc:
            raise StepError("; ".join(f"{key}: {' '.join(messages)}" for key, messages
                                      in exc.message_dict.items()), retryable=False) from None
        if not (locked and batch is not None and batch.defer(instance, update_fields)):
            instance.save(update_fields=update_fields)
        context.log(f"updated {', '.join(inputs['fields'])} of {instance}")
        return {"record": [registration.label, instance.pk]}


def _same_tenant(registration: Any, instance: Any, context: Any) -> bool:
    """With tenancy on, a run changes only records of its workflow's tenant (a
    workflow of no tenant: any record)."""
    if not tenancy_config.enabled():
        return True
    key = workflow_tenant(getattr(context, "workflow_id", None))
    return tenant_visibility(key).allows(registration.tenant_key(instance))
