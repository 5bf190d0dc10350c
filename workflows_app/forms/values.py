"""The values typed in the builder, checked by the same Django form fields that
render them (`workflows_app.forms.fields.form_field_for`).

Each step's params and the trigger's settings become a Django form built from
the engine's metadata (`ValuesForm`: one field per literal value the form can
check; references and text with `{{ variables }}` are the engine's to check).
Its messages ("Enter a valid email address.") are placed at the value's path, so
the builder shows them at the field, under the field's label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django import forms

from engine import DefinitionError, Param, step_registry, trigger_registry
from engine.types import ArrayType, ValueType
from workflows_app.forms.fields import form_field_for

__all__ = ["CHECKED_FIELDS", "ValuesForm", "value_errors"]

#: Form fields whose `clean()` checks a literal typed in the builder: text (e-mail,
#: web address, a project's own text fields) and numbers. Choices, records, dates
#: and JSON are picked or parsed by the builder and checked by the engine.
CHECKED_FIELDS: tuple[type[forms.Field], ...] = (
    forms.CharField, forms.DecimalField, forms.FloatField, forms.IntegerField)

#: Text fields whose values the builder does not type as text.
_UNCHECKED_FIELDS: tuple[type[forms.Field], ...] = (forms.JSONField,)


def _literal(value: Any) -> bool:
    if isinstance(value, bool) or value in (None, ""):
        return False
    if isinstance(value, str):
        return "{{" not in value  # a template: filled in when the step runs
    return isinstance(value, int | float | Decimal)


def _values(param: Param, value: Any) -> Iterator[tuple[str, ValueType, Any]]:
    value_type = param.type
    if isinstance(value_type, ArrayType):
        if isinstance(value, list):
            for index, item in enumerate(value):
                if _literal(item):
                    yield f"{param.name}[{index}]", value_type.item_type, item
    elif _literal(value):
        yield param.name, value_type, value


class ValuesForm(forms.Form):
    """The literal values of declared params (a step's params, a trigger's settings)
    as a Django form: a field per value from `form_field_for`, named by the value's
    place under the params (`to[0]`, `subject`)."""

    def __init__(self, params: Iterable[Param], values: Mapping[str, Any]) -> None:
        fields: dict[str, forms.Field] = {}
        data: dict[str, str] = {}
        for param in params:
            for name, value_type, value in _values(param, values.get(param.name)):
                field = form_field_for(value_type, label=param.display_label, required=False)
                if (not isinstance(field, CHECKED_FIELDS)
                        or isinstance(field, _UNCHECKED_FIELDS)):
                    continue
                fields[name] = field
                data[name] = str(value)
        super().__init__(data=data)
        self.fields.update(fields)

    def definition_errors(self, base: str) -> list[DefinitionError]:
        """The form's errors as definition errors at `base` + the value's place."""
        return [DefinitionError(f"{base}.{name}", " ".join(str(message) for message in messages))
                for name, messages in self.errors.items()]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def value_errors(definition: Any) -> list[DefinitionError]:
    """What the form fields of the trigger's settings and of each step's params say
    about the literal values of `definition` (an empty list when they are fine)."""
    data = _mapping(definition)
    errors: list[DefinitionError] = []
    trigger = _mapping(data.get("trigger"))
    trigger_class = trigger_registry.find(trigger.get("type"))
    if trigger_class is not None:
        errors += ValuesForm(trigger_class.config_params, trigger).definition_errors("trigger")
    steps = data.get("steps")
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        step = _mapping(step)
        step_class = step_registry.find(step.get("type"))
        if step_class is not None:
            errors += ValuesForm(step_class.params, _mapping(step.get("params"))
                                 ).definition_errors(f"steps[{index}].params")
    return errors
