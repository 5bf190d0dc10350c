"""The values typed in the builder, checked by the same Django form fields that
render them (`workflows_app.forms.fields.form_field_for`).

Each step's params (nested steps' too) and the trigger's settings become a Django
form built from the engine's metadata (`ValuesForm`: one field per literal value the form can
check; references and text with `{{ variables }}` are the engine's to check), and
each condition row's "compare with" value is checked by the form field of the type
its comparison takes.
Its messages ("Enter a valid email address.") are placed at the value's path, so
the builder shows them at the field, under the field's label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from django import forms

from engine import DefinitionError, Param, step_registry, trigger_registry
from engine.definition import step_scopes
from engine.scope import PathError, ScopeSchema
from engine.types import ArrayType, ValueType
from workflows_app.forms.builder_widgets import builder_widget_field
from workflows_app.forms.fields import form_field_for, search_records
from workflows_app.metadata import trigger_scope

__all__ = ["CHECKED_FIELDS", "ValuesForm", "check_value", "checks_typed_values",
           "describe_value", "node_at", "value_errors"]

#: Form fields whose `clean()` checks a literal typed in the builder: text (e-mail,
#: web address, a project's own text fields) and numbers. Choices, records, dates
#: and JSON are picked or parsed by the builder and checked by the engine.
CHECKED_FIELDS: tuple[type[forms.Field], ...] = (
    forms.CharField, forms.DecimalField, forms.FloatField, forms.IntegerField)

#: Text fields whose values the builder does not type as text.
_UNCHECKED_FIELDS: tuple[type[forms.Field], ...] = (forms.JSONField,)


def checks_typed_values(field: forms.Field) -> bool:
    """Whether `field` checks what staff type (`CHECKED_FIELDS`, not JSON)."""
    return isinstance(field, CHECKED_FIELDS) and not isinstance(field, _UNCHECKED_FIELDS)


def check_value(value_type: ValueType, raw: str, widget: str | None = None) -> list[str]:
    """What the form field of `value_type` (or of the `widget` a param asks for)
    says about `raw` as typed (an empty list when it is fine, blank, a template
    with `{{ variables }}` or not checked here)."""
    return describe_value(value_type, raw, widget)[0]


def describe_value(value_type: ValueType, raw: str, widget: str | None = None
                   ) -> tuple[list[str], str]:
    """`check_value`'s messages, and what a valid value means when its field says
    (`describe(value)`: a cron expression in words), else ""."""
    if not _literal(raw):
        return [], ""
    searching = search_records.set(True)  # records are not checked here: list none
    try:
        field = builder_widget_field(widget, value_type, required=False)
        if field is None:
            field = form_field_for(value_type, required=False)
    finally:
        search_records.reset(searching)
    if not checks_typed_values(field):
        return [], ""
    try:
        cleaned = field.clean(raw)
    except forms.ValidationError as exc:
        return [str(message) for message in exc.messages], ""
    describe = getattr(field, "describe", None)
    return [], describe(cleaned) if describe is not None else ""


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
                if not checks_typed_values(field):
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


_TOKEN = re.compile(r"[^.\[\]]+|\[\d+\]")


def node_at(data: Any, path: str) -> Any:
    """The node of `data` at `path` (`steps[0].params.paths[1].steps[0]`), or None."""
    node = data
    for token in _TOKEN.findall(path):
        if token.startswith("["):
            index = int(token[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            node = node.get(token) if isinstance(node, Mapping) else None
    return node


def _leaf_errors(leaf: Mapping[str, Any], scope: ScopeSchema, base: str
                 ) -> list[DefinitionError]:
    """A condition row's "compare with" value, checked by the form field of the
    type its comparison takes (from the chosen reference's type)."""
    try:
        subject = scope.lookup(leaf.get("ref")).type
    except (PathError, LookupError, TypeError, ValueError):
        return []  # the engine says what is wrong with the reference
    operator = subject.operators().get(leaf.get("op"))
    value_type = operator.value_type(subject) if operator is not None else None
    if value_type is None:
        return []
    value = leaf.get("value")
    if isinstance(value_type, ArrayType):
        if not isinstance(value, list):
            return []
        return [DefinitionError(f"{base}.value[{index}]", " ".join(messages))
                for index, item in enumerate(value)
                if _literal(item) and (messages := check_value(value_type.item_type,
                                                               str(item)))]
    if not _literal(value):
        return []
    messages = check_value(value_type, str(value))
    return [DefinitionError(f"{base}.value", " ".join(messages))] if messages else []


def _condition_errors(node: Any, scope: ScopeSchema, base: str) -> list[DefinitionError]:
    if not isinstance(node, Mapping):
        return []
    if "ref" in node:
        return _leaf_errors(node, scope, base)
    errors: list[DefinitionError] = []
    for group in ("all", "any"):
        children = node.get(group)
        for index, child in enumerate(children if isinstance(children, list) else []):
            errors += _condition_errors(child, scope, f"{base}.{group}[{index}]")
    if "not" in node:
        errors += _condition_errors(node["not"], scope, f"{base}.not")
    return errors


def value_errors(definition: Any) -> list[DefinitionError]:
    """What the form fields say about the literal values of `definition`: the
    trigger's settings, each step's params (nested steps too), and the values the
    conditions compare with (an empty list when they are fine)."""
    data = _mapping(definition)
    errors: list[DefinitionError] = []
    trigger = _mapping(data.get("trigger"))
    trigger_class = trigger_registry.find(trigger.get("type"))
    if trigger_class is not None:
        errors += ValuesForm(trigger_class.config_params, trigger).definition_errors("trigger")
    if "conditions" in data:
        scope, _ = trigger_scope(trigger)
        errors += _condition_errors(data["conditions"], scope, "conditions")
    for at, scope in step_scopes(data).items():
        step = _mapping(node_at(data, at))
        step_class = step_registry.find(step.get("type"))
        if step_class is not None:
            errors += ValuesForm(step_class.params, _mapping(step.get("params"))
                                 ).definition_errors(f"{at}.params")
        if "when" in step:
            errors += _condition_errors(step["when"], scope, f"{at}.when")
    return errors
