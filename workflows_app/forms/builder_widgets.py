"""Widgets a param asks for by name (`Param(..., extra={"widget": "timezone"})`),
as Django form fields: a registry, the way value types map to form fields
(`workflows_app.forms.fields.form_field_for`), so that a project adds a widget
without any JavaScript::

    from workflows_app.forms.builder_widgets import register_builder_widget

    @register_builder_widget("colour")
    def colour_field(value_type, **kwargs):
        return forms.CharField(widget=forms.TextInput(attrs={"type": "color"}), **kwargs)

`kwargs` carries `label`, `required`, `help_text` and `initial`, as for
`register_form_field`. A widget that reads more of the param's `extra` names those
keys (`register_builder_widget("json_rows", options=("kinds", "row_label"))`):
they are passed to the factory as keyword arguments when the param sets them
(and, for a widget the server renders on every change, sent back by the builder
with its inputs, so the factory must check them as it would any request data).
The builder renders the field's widget for the param's value
(`workflows_app.forms.builder.input_field`):

- a field with one input (a text box, a select) is read back like any other
  (`data-wb-value`), and a field that checks what is typed is asked through htmx
  as it changes (`builder/check/`); its optional `describe(value) -> str` says
  what a valid value means, shown beside the input (`note_class` styles it);
- a field with several inputs (a `MultiValueField`, such as the schedule picker
  or a date, time and timezone) is rendered by the server as a small form, again
  on every change (htmx, `builder/widget/`), which says the value it makes or
  what is wrong. Its optional methods: `preview(value, siblings) -> str` (HTML
  shown under it: the next runs of a schedule), `display(value, raw, changed)`
  (what its inputs show after a valid change), and `siblings` (the names of the
  other settings its preview reads, such as the trigger's `timezone`).

The JavaScript hook `WB.widgets.register(name, ...)` remains for structural
editors only (rows, nested steps, condition trees).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms

from engine.types import ValueType

__all__ = ["BuilderWidgetFactory", "builder_widget_field", "builder_widget_options",
           "builder_widgets", "register_builder_widget", "widget_options"]

BuilderWidgetFactory = Callable[..., forms.Field]

#: Widget name -> form field factory `(value_type, **kwargs) -> forms.Field`.
builder_widgets: dict[str, BuilderWidgetFactory] = {}

#: Widget name -> the keys of a param's `extra` its factory reads.
builder_widget_options: dict[str, tuple[str, ...]] = {}


def register_builder_widget(name: str, *, options: tuple[str, ...] = ()
                            ) -> Callable[[BuilderWidgetFactory], BuilderWidgetFactory]:
    """Decorator: params asking for widget `name` get the factory's form field (a
    later registration under the same name replaces the earlier one); `options`:
    the keys of the param's `extra` passed to the factory."""

    def decorator(factory: BuilderWidgetFactory) -> BuilderWidgetFactory:
        builder_widgets[name] = factory
        builder_widget_options[name] = tuple(options)
        return factory

    return decorator


def widget_options(name: object, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options of widget `name` that `extra` (a param's) sets."""
    if not isinstance(name, str) or not isinstance(extra, Mapping):
        return {}
    return {key: extra[key] for key in builder_widget_options.get(name, ()) if key in extra}


def builder_widget_field(name: object, value_type: ValueType, *,
                         options: Mapping[str, Any] | None = None, **kwargs: Any
                         ) -> forms.Field | None:
    """The form field of widget `name` for a value of `value_type` (with the
    `options` it reads, see `widget_options`), or None when no widget of that name
    is registered."""
    factory = builder_widgets.get(name) if isinstance(name, str) else None
    if factory is None:
        return None
    return factory(value_type, **widget_options(name, options), **kwargs)
