"""The builder's value inputs, rendered by the server from the one value-type ->
form-field mapping (`workflows_app.forms.fields.form_field_for`), the same fields
the "Run now" form uses.

While `rendering_inputs()` is active (the builder's page and its scope endpoint),
every type description of the metadata carries `input.html`: the HTML of its form
field's widget, marked with how its value reads back (`data-wb-value`: `text`,
`number`, `bool`, `choice`, `json`, `duration` or `record`, from the form field's
class). The builder's
JavaScript inserts that HTML for a literal value and reads it back the same way
for every type; a type registered with `register_form_field` appears in the
builder without any JavaScript.

With `check_url` (for those who may change the workflow), inputs whose form field
checks what is typed (`workflows_app.forms.values.checks_typed_values`) ask that
endpoint, through htmx, for the field's message when their value changes
(`hx-post`, the type in `hx-vals`); the answer is shown beside the input.

Records and users are searched as staff type (`RecordAutocomplete`, Django admin's
autocomplete), whatever the size of the model: the page lists no records, and the
search endpoint checks the model's view permission.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django import forms

from engine.types import ArrayType, ObjectType, ValueType
from engine.types.structure import StructType
from workflows_app.forms.builder_widgets import builder_widget_field, widget_options
from workflows_app.forms.fields import (
    DurationTextField,
    RecordIdField,
    form_field_for,
    search_records,
)
from workflows_app.forms.server_widget import ServerWidgetField, is_server_widget
from workflows_app.forms.values import checks_typed_values
from workflows_app.metadata import input_renderer

__all__ = [
    "CHECK_FORM_ID",
    "VALUE_KINDS",
    "input_attrs",
    "input_field",
    "input_html",
    "rendering_inputs",
    "renders_input",
    "value_field",
    "value_kind",
]

#: The id of the builder page's form that checked inputs belong to (it holds the
#: CSRF token only; see `workflows_app/admin/builder.html`).
CHECK_FORM_ID = "wb-check-form"

#: How a form field's value reads back in the builder, by form field class (the first
#: match along the field's class hierarchy; anything else is text).
VALUE_KINDS: dict[type[forms.Field], str] = {
    forms.BooleanField: "bool",
    forms.DecimalField: "number",
    forms.FloatField: "number",
    forms.IntegerField: "number",
    forms.JSONField: "json",
    DurationTextField: "duration",
    forms.ModelChoiceField: "record",
    RecordIdField: "record",
    forms.ChoiceField: "choice",
    ServerWidgetField: "widget",
}

#: Types edited by their own structure (rows, fields, nested steps), not one input.
_NOT_RENDERED = (ArrayType, StructType, ObjectType)


def value_kind(field: forms.Field) -> str:
    """How the builder reads the value of `field` back (`VALUE_KINDS`)."""
    for klass in type(field).__mro__:
        kind = VALUE_KINDS.get(klass)
        if kind is not None:
            return kind
    return "text"


def input_attrs(value_type: ValueType, field: forms.Field,
                check_url: str | None = None, widget: str | None = None) -> dict[str, Any]:
    """The attributes of the builder's input of `field` (the form field of
    `value_type`): how its value reads back and, with `check_url`, the htmx request
    that checks what is typed (for fields that check it; `widget`: the widget the
    param asks for, see `workflows_app.forms.builder_widgets`)."""
    attrs: dict[str, Any] = {"data-wb-value": value_kind(field)}
    if check_url and checks_typed_values(field):
        vals = {"type": value_type.spec}
        if widget:
            vals["widget"] = widget
        attrs.update({
            "hx-post": check_url,
            "hx-trigger": getattr(field, "check_trigger", "change"),
            "hx-target": "next .wb-field-check", "hx-swap": "innerHTML",
            "hx-vals": json.dumps(vals),
            # Sent with the page's small check form (its CSRF token), not the builder's.
            "form": CHECK_FORM_ID,
        })
    return attrs


def renders_input(value_type: ValueType) -> bool:
    """Whether one literal of `value_type` is one input (not rows, fields or steps)."""
    return not isinstance(value_type, _NOT_RENDERED)


def value_field(value_type: ValueType, widget: str | None = None, *,
                options: Mapping[str, Any] | None = None, **kwargs: Any) -> forms.Field:
    """The form field of one literal of `value_type`: the one of the widget the
    param asks for when one is registered under that name
    (`workflows_app.forms.builder_widgets`; `options`: the param's `extra`, of
    which the widget reads what it names), else the type's (`form_field_for`)."""
    field = builder_widget_field(widget, value_type, options=options, **kwargs)
    return field if field is not None else form_field_for(value_type, **kwargs)


def input_field(value_type: ValueType, widget: str | None = None, *,
                options: Mapping[str, Any] | None = None, **kwargs: Any) -> forms.Field:
    """The form field of one literal of `value_type` in the builder: not required
    (the builder says what is missing itself, and keeps blank rows); a field with
    several inputs is a slot the server fills (`workflows_app.forms.server_widget`)."""
    kwargs.setdefault("label", value_type.label)
    field = value_field(value_type, widget, options=options, required=False, **kwargs)
    if is_server_widget(field):
        return ServerWidgetField(field, value_type=value_type, widget=widget,
                                 options=widget_options(widget, options))
    return field


def input_html(value_type: ValueType, check_url: str | None = None,
               widget: str | None = None, options: Mapping[str, Any] | None = None
               ) -> str | None:
    """The HTML of the input for one literal value of `value_type`, or None when the
    builder edits it otherwise (lists, structures, records); with `check_url`, an
    input that checks what is typed asks it on change (htmx); `widget`: the
    widget the param asks for (`options`: the param's `extra`)."""
    if not renders_input(value_type):
        return None
    field = input_field(value_type, widget, options=options)
    return str(field.widget.render("value", None,
                                   attrs=input_attrs(value_type, field, check_url, widget)))


@contextmanager
def rendering_inputs(check_url: str | None = None) -> Iterator[None]:
    """Within it, type descriptions made by `workflows_app.metadata` carry the
    HTML of their input (each type rendered once); `check_url`: see `input_html`."""
    rendered: dict[tuple[type[ValueType], str, str, str | None, str], str | None] = {}

    def render(value_type: ValueType, input_spec: dict[str, Any],
               extra: dict[str, Any]) -> str | None:
        widget = input_spec.get("widget")
        widget = widget if isinstance(widget, str) else None
        options = widget_options(widget, extra)
        key = (type(value_type), value_type.spec, repr(input_spec.get("options")), widget,
               json.dumps(options, sort_keys=True, default=str))
        if key not in rendered:
            rendered[key] = input_html(value_type, check_url, widget, options)
        return rendered[key]

    token = input_renderer.set(render)
    searching = search_records.set(True)
    try:
        yield
    finally:
        search_records.reset(searching)
        input_renderer.reset(token)
