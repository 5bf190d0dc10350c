"""Starting a `manual` workflow by hand ("Run now" in admin, or an API call): the
source of `manual` events. Import it from `workflows_app.manual`::

    from workflows_app.manual import ManualInputError, start_manual_run

    try:
        event = start_manual_run(workflow, {"order": 12, "reason": "re-send"}, request.user)
    except ManualInputError as exc:
        exc.errors  # {"order": "No Order with id 12.", ...}

The inputs are checked against the workflow's declared inputs (required, type,
records that must exist); the event is recorded in the caller's transaction and
a worker starts the run after the commit, with `inputs.*` and `event.actor` set.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from engine.errors import ValueParseError
from engine.types import ArrayType, Record, User, ValueType
from workflows_app.execution.snapshot import json_value
from workflows_app.models import Event, Workflow
from workflows_app.records import get_registration, model_label_of, user_model_label
from workflows_app.tenancy.scoping import current_visibility, tenant_visibility, viewing_as
from workflows_app.triggers.base import stored_value
from workflows_app.triggers.manual.trigger import Manual, input_fields

NON_FIELD_ERRORS = "__all__"
REQUIRED_MESSAGE = "This input is required."


class ManualInputError(ValueError):
    """The inputs were refused; `errors` maps each input name (or `"__all__"`) to
    a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | tuple) and not value)


def _record_model(value_type: Record) -> str:
    return user_model_label() if isinstance(value_type, User) else value_type.model


def _check_record(value_type: Record, value: Any) -> Any:
    """The primary key of an existing record of the type's model, or ValueParseError."""
    model = _record_model(value_type)
    registration = get_registration(model)
    label = registration.verbose_name if registration else model
    if isinstance(value, models.Model):
        if model_label_of(type(value)) != model:
            raise ValueParseError(f"expected a record of {label}, got one of "
                                  f"{type(value)._meta.verbose_name}")
        value = value.pk
    elif isinstance(value, uuid.UUID):
        value = str(value)
    pk = value_type.parse(value)
    if registration is None:
        raise ValueParseError(f"{model} is not registered for workflows")
    try:  # with tenancy on: among the records of the workflow's tenant
        exists = registration.visible_records(current_visibility()).filter(pk=pk).exists()
    except (ValueError, TypeError, ValidationError):  # "abc" for an integer key
        exists = False
    if not exists:
        raise ValueParseError(f"No {label} with id {pk}.")
    return json_value(pk)


def clean_input(value_type: ValueType, value: Any) -> Any:
    """One input value, checked, as JSON (records as primary keys)."""
    if isinstance(value_type, Record):
        return _check_record(value_type, value)
    if isinstance(value_type, ArrayType):
        if isinstance(value, models.QuerySet):
            value = list(value)
        if isinstance(value_type.item_type, Record) and isinstance(value, list | tuple):
            items = []
            for index, item in enumerate(value):
                try:
                    items.append(_check_record(value_type.item_type, item))
                except ValueParseError as exc:
                    raise ValueParseError(f"[{index}]: {exc.reason}") from None
            value_type.parse(items)
            return items
    return stored_value(value_type, value_type.parse(value))


def clean_manual_inputs(workflow: Workflow, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Check `inputs` against the workflow's declared inputs; return them as JSON.

    Blank inputs take the declared default; a required input without one is an
    error. Raises `ManualInputError` with one message per bad input.
    """
    errors: dict[str, str] = {}
    if workflow.trigger_type != Manual.key:
        raise ManualInputError({NON_FIELD_ERRORS: "this workflow is not started by hand "
                                                  f"(its trigger is {workflow.trigger_type})"})
    fields = input_fields(workflow.trigger_config or {})
    declared = {scope_field.name for scope_field, _, _ in fields}
    for name in inputs:
        if name not in declared:
            errors[str(name)] = "This workflow has no such input."
    cleaned: dict[str, Any] = {}
    with viewing_as(tenant_visibility(workflow.tenant_id)):
        _clean_all(fields, inputs, cleaned, errors)
    if errors:
        raise ManualInputError(errors)
    return cleaned


def _clean_all(fields: Any, inputs: Mapping[str, Any], cleaned: dict[str, Any],
               errors: dict[str, str]) -> None:
    for scope_field, required, default in fields:
        value = inputs.get(scope_field.name)
        if _blank(value):
            value = default
        if _blank(value):
            if required:
                errors[scope_field.name] = REQUIRED_MESSAGE
            cleaned[scope_field.name] = None
            continue
        try:
            cleaned[scope_field.name] = clean_input(scope_field.type, value)
        except ValueParseError as exc:
            errors[scope_field.name] = exc.reason


def start_manual_run(workflow: Workflow, inputs: Mapping[str, Any], user: Any, *,
                     dedupe_key: str | None = None) -> Event:
    """Record a `manual` event for `workflow` with the checked `inputs`, started by
    `user`; a worker creates and runs the run after the commit.

    Raises `ManualInputError` (nothing recorded) when an input is missing or
    wrong, or the workflow is not an active manual workflow.
    """
    cleaned = clean_manual_inputs(workflow, inputs)
    if not workflow.is_active:
        raise ManualInputError({NON_FIELD_ERRORS: "this workflow is not active; activate it "
                                                  "before running it"})
    actor_id = user.pk if getattr(user, "is_authenticated", False) else None
    record_model, record_pk = "", ""
    for scope_field, _, _ in input_fields(workflow.trigger_config or {}):
        if isinstance(scope_field.type, Record) and cleaned.get(scope_field.name) is not None:
            record_model = _record_model(scope_field.type)
            record_pk = cleaned[scope_field.name]
            break
    who = user.get_username() if actor_id else ("another workflow" if dedupe_key
                                                  else "an API call")
    with transaction.atomic():
        return Manual.record_start(workflow, cleaned, actor_id=actor_id, who=who,
                                   record_model=record_model, record_pk=record_pk,
                                   dedupe_key=dedupe_key)
