"""Form fields with several inputs (a `MultiWidget`: a date, a time and a timezone;
the schedule picker) in the builder, rendered by the server on every change.

In the builder's page such a field is a placeholder (`ServerWidgetSlot`, marked
`data-wb-value="widget"`) that asks `builder/widget/` (htmx) for its inputs;
every change of one of them asks again with what they hold, and the answer
(`render_widget`) is the field's inputs, its message at the field when what they
hold makes no value, its preview (`preview(value, siblings)`), and the value they
make (`data-wb-widget-value`, JSON), which the builder stores. The builder's
script knows nothing of the field: it sends the inputs and reads the value back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from engine.types import ValueType

__all__ = ["MAX_VALUE_CHARS", "WIDGET_URL_NAME", "BadWidgetInput", "ServerWidgetField",
           "ServerWidgetSlot", "is_server_widget", "render_widget", "widget_url"]

#: The admin URL of the endpoint (`workflows_app.admin.endpoints.widget_view`).
WIDGET_URL_NAME = "admin:workflows_app_workflow_builder_widget"

#: Longest stored value (JSON) the endpoint reads: a longer one is refused, never cut.
MAX_VALUE_CHARS = 200_000

#: The id prefix of one widget's inputs, as the builder sends it.
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,40}$")


def widget_url() -> str | None:
    """The endpoint's address, or None when the app's admin is not mounted as "admin"."""
    try:
        return reverse(WIDGET_URL_NAME)
    except NoReverseMatch:
        return None


class BadWidgetInput(ValueError):
    """What was sent cannot come from the widget's inputs (too many rows, a value
    too long...): the endpoint answers 400 with this message."""


def is_server_widget(field: forms.Field) -> bool:
    """Whether the builder renders `field` through the server on every change: a
    `MultiWidget`, or a widget that says so (`server_rendered = True`, such as
    rows added and removed through the server)."""
    return (isinstance(field.widget, forms.MultiWidget)
            or bool(getattr(field.widget, "server_rendered", False)))


class ServerWidgetSlot(forms.Widget):
    """The placeholder the builder fills with the field's inputs from the server."""

    template_name = "workflows_app/widgets/server_widget_slot.html"

    def __init__(self, *, value_type: ValueType, widget: str | None, siblings: tuple[str, ...],
                 css_class: str = "", options: Mapping[str, Any] | None = None,
                 attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.css_class = css_class
        self.options = dict(options or {})
        self.value_type = value_type
        self.widget_name = widget
        self.siblings = siblings

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None
                    ) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        css = f"wb-server-widget {self.css_class}".strip()
        context["widget"]["attrs"].update({
            "class": css,
            "data-wb-widget-url": widget_url() or "",
            "data-wb-type": self.value_type.spec,
            "data-wb-widget": self.widget_name or "",
            "data-wb-siblings": " ".join(self.siblings),
        })
        if self.options:
            context["widget"]["attrs"]["data-wb-options"] = json.dumps(self.options)
        return context


class ServerWidgetField(forms.Field):
    """`inner` (a field with several inputs) as the builder shows it: a slot."""

    def __init__(self, inner: forms.Field, *, value_type: ValueType,
                 widget: str | None, options: Mapping[str, Any] | None = None) -> None:
        self.inner = inner
        super().__init__(required=False, label=inner.label, widget=ServerWidgetSlot(
            value_type=value_type, widget=widget,
            siblings=tuple(getattr(inner, "siblings", ())),
            css_class=getattr(inner, "css_class", ""), options=options))


def _json(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _siblings(field: forms.Field, query: Mapping[str, Any]) -> dict[str, Any]:
    return {name: query.get(f"sibling_{name}", "")[:200]
            for name in getattr(field, "siblings", ())}


def render_widget(field: forms.Field, query: Mapping[str, Any], *, readonly: bool) -> str:
    """The inputs of `field` for the builder, from the request's `query`: from
    `value` (JSON: the stored value) when they are asked for the first time,
    else from what they hold (`<prefix>-value_0`...), cleaned into the value
    they make or the field's message. `changed` names the input that changed.
    A field with `errors_at_inputs` shows its messages at its inputs itself (its
    widget renders them); raises `BadWidgetInput` for what no input could send."""
    prefix = query.get("prefix", "")
    prefix = prefix if _PREFIX.match(prefix) else "wbw"
    name = f"{prefix}-value"
    label = query.get("label", "")[:200] or str(field.label or "")
    attrs = {"id": f"id_{name}", "form": "wb-widget-inputs", "aria-label": label}
    widget = field.widget
    field.disabled = readonly
    if readonly:
        attrs["disabled"] = True
    sent = query.get("value", "null")
    if len(sent) > MAX_VALUE_CHARS:
        raise BadWidgetInput("The value is too long to be shown here.")
    try:
        stored = json.loads(sent or "null")
    except ValueError:
        stored = None
    errors: list[str] = []
    bound = any(key.startswith(f"{name}_") for key in query)
    if not bound or readonly:
        value, shown = stored, stored
        if stored in (None, "") and getattr(field, "fills_empty", False) and not readonly:
            # A new value starts as the widget's first choice (weekdays at 09:00).
            shown = widget.decompress(None)
            try:
                value = _json(field.clean(shown))
            except forms.ValidationError:
                value = stored
    else:
        raw = widget.value_from_datadict(query, {}, name)
        changed_name = query.get("changed", "")
        changed = None
        if changed_name.startswith(f"{name}_") and changed_name[len(name) + 1:].isdigit():
            changed = int(changed_name[len(name) + 1:])
        prepare = getattr(field, "prepare", None)
        if prepare is not None:
            raw = prepare(raw, changed)
        try:
            cleaned = field.clean(raw)
        except forms.ValidationError as exc:
            errors = [str(message) for message in exc.messages]
            value, shown = stored, raw
        else:
            value = _json(cleaned)
            display = getattr(field, "display", None)
            shown = display(cleaned, raw, changed) if display else raw
    preview = getattr(field, "preview", None)
    return render_to_string("workflows_app/widgets/server_widget.html", {
        "inputs": SafeString(widget.render(name, shown, attrs=attrs)),
        "errors": [] if getattr(field, "errors_at_inputs", False) else errors,
        "preview": preview(None if errors else value, _siblings(field, query))
        if preview else "",
        "value_json": json.dumps(value),
        "invalid": bool(errors),
    })
