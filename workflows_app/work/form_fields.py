"""Form fields of the work types: lists of users, groups, users-and-groups (registered
with the value-type -> form field registry, so the builder offers lists)."""

from __future__ import annotations

from typing import Any

from django import forms

from engine.types import ValueType
from workflows_app.forms.manual import register_form_field
from workflows_app.work.types import Assignee, GroupName, UserName


def _choice_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    choices = [("", "---------"), *[(str(v), label) for v, label in value_type.options() or []]]
    if not kwargs.get("help_text") and value_type.help_text:
        kwargs["help_text"] = value_type.help_text
    return forms.ChoiceField(choices=choices, **kwargs)


register_form_field(UserName)(_choice_field)
register_form_field(GroupName)(_choice_field)
register_form_field(Assignee)(_choice_field)


def _model_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return _choice_field(value_type, **kwargs)


def _register_model_name() -> None:
    from workflows_app.steps.record_create import ModelName

    register_form_field(ModelName)(_model_field)


_register_model_name()
