"""Widget `inputs`: what a manual trigger asks for when someone starts it, as rows
of name, type, label, required and (for a choice) its options; a Django formset
rendered by the server, rows added and removed through it (htmx,
`builder/widget/`). The stored value is the trigger's `inputs` list, unchanged:
an input's other settings (`help`, `default`, options with labels) are kept as
they were unless edited here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet, formset_factory

from engine.types import ValueType
from workflows_app.forms.builder_widgets import register_builder_widget
from workflows_app.forms.server_rows import MAX_ROWS, apply_row_action, row_count
from workflows_app.forms.server_widget import BadWidgetInput
from workflows_app.metadata import input_types
from workflows_app.triggers.manual.trigger import INPUT_KEYS, INPUT_NAME

__all__ = ["InputRowForm", "InputsInput", "ManualInputsField", "ManualInputsWidget"]

#: What a row edits; the other settings of an input ride along unchanged.
_EDITED = ("name", "type", "label", "required", "options")
_KEPT = tuple(sorted(INPUT_KEYS - set(_EDITED)))
_TEXTS = ("name", "type", "label", "options", "keep")


def _option_text(options: Any) -> str:
    if not isinstance(options, list):
        return ""
    return ", ".join(str(option.get("value", "")) if isinstance(option, dict) else str(option)
                     for option in options)


class InputRowForm(forms.Form):
    """One input: its name, type, label, whether it is required and a choice's options
    (`keep`: its other settings as stored, JSON)."""

    name = forms.CharField(required=False, max_length=200)
    type = forms.ChoiceField()
    label = forms.CharField(required=False, max_length=200)
    required = forms.BooleanField(required=False)
    options = forms.CharField(required=False, max_length=5000)
    keep = forms.CharField(required=False, max_length=20_000)

    def __init__(self, *args: Any, number: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number = number
        choices = [(item["value"], item["label"]) for item in input_types()]
        current = str(self.data.get(self.add_prefix("type"), "")) if self.is_bound else ""
        if current and current not in dict(choices):
            choices.append((current, current))  # a type saved before: kept as it is
        self.fields["type"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        name = data.get("name", "").strip()
        data["skip"] = not (name or data.get("label", "").strip() or data.get("options"))
        if data["skip"]:
            return data  # a blank row: shown, never saved
        if not INPUT_NAME.match(name):
            raise forms.ValidationError(
                "Input %(number)s: a name is lower-case letters, digits and _, starting "
                "with a letter (order_number).", code="name", params={"number": self.number})
        data["name"] = name
        return data

    def item(self, keep: dict[str, Any]) -> dict[str, Any]:
        """The stored input this row stands for."""
        data = self.cleaned_data
        item: dict[str, Any] = {"name": data["name"], "type": data["type"]}
        if data.get("label", "").strip():
            item["label"] = data["label"].strip()
        if not data.get("required"):
            item["required"] = False
        if data["type"] == "Choice":
            text = data.get("options", "")
            if "options" in keep and _option_text(keep["options"]) == text.strip():
                item["options"] = keep["options"]  # labels and all, as stored
            else:
                item["options"] = [part.strip() for part in text.split(",") if part.strip()]
        item.update({key: keep[key] for key in _KEPT if key in keep})
        return item


class BaseInputFormSet(BaseFormSet):
    """The inputs; a name asked twice is an error at its second row."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"number": 0 if index is None else index + 1}

    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or data.get("skip"):
                continue
            if data["name"] in seen:
                form.add_error(None, forms.ValidationError(
                    'Input %(number)s: "%(name)s" is already asked above.', code="duplicate",
                    params={"number": form.number, "name": data["name"]}))
            seen.add(data["name"])

    def messages(self) -> list[str]:
        return [str(message) for form in self.forms for messages in form.errors.values()
                for message in messages]


InputFormSet = formset_factory(InputRowForm, formset=BaseInputFormSet, extra=0,
                               max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True)


@dataclass
class InputsInput:
    """What the rows hold (as sent), or a stored value rows cannot show (`stored`)."""

    rows: list[dict[str, str]] = dataclass_field(default_factory=list)
    added: bool = False
    unreadable: bool = False
    stored: Any = None


def _keep(row: dict[str, str]) -> dict[str, Any]:
    try:
        keep = json.loads(row.get("keep") or "{}")
    except ValueError:
        raise BadWidgetInput("The rows sent cannot be read.") from None
    if not isinstance(keep, dict):
        raise BadWidgetInput("The rows sent cannot be read.")
    return {key: value for key, value in keep.items() if key in (*_KEPT, "options")}


class ManualInputsWidget(forms.Widget):
    """The table of inputs, "+ Add an input" and each row's ✕; rendered by the server
    on every change."""

    template_name = "workflows_app/widgets/manual_inputs.html"
    server_rendered = True

    def formset(self, name: str, rows: list[dict[str, str]]) -> BaseInputFormSet:
        prefix = f"{name}_rows"
        data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
        for index, row in enumerate(rows):
            for key in _TEXTS:
                data[f"{prefix}-{index}-{key}"] = row.get(key, "")
            if row.get("required"):
                data[f"{prefix}-{index}-required"] = "on"
        return InputFormSet(data, prefix=prefix)

    def as_input(self, value: Any) -> InputsInput:
        if isinstance(value, InputsInput):
            return value
        if value is None:
            return InputsInput()
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return InputsInput(unreadable=True, stored=value)
        rows = []
        for item in value:
            keep = {key: item[key] for key in (*_KEPT, "options") if key in item}
            rows.append({"name": str(item.get("name", "")), "type": str(item.get("type", "")),
                         "label": str(item.get("label", "")),
                         "required": "on" if item.get("required", True) is not False else "",
                         "options": _option_text(item.get("options")),
                         "keep": json.dumps(keep) if keep else ""})
        return InputsInput(rows=rows)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> InputsInput:
        prefix = f"{name}_rows"
        rows = []
        for index in range(row_count(data, prefix)):
            row = {key: str(data.get(f"{prefix}-{index}-{key}", "")) for key in _TEXTS}
            row["required"] = "on" if data.get(f"{prefix}-{index}-required") else ""
            rows.append(row)
        added = apply_row_action(data, name, rows, {"name": "", "type": "String",
                                                     "required": "on"})
        return InputsInput(rows=rows, added=added)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None
                    ) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        shown = self.as_input(value)
        attrs = dict(attrs or {})
        rows: list[dict[str, Any]] = []
        if not shown.unreadable:
            formset = self.formset(name, shown.rows)
            formset.is_valid()
            for index, form in enumerate(formset.forms):
                data = shown.rows[index]
                rows.append({**data, "number": index + 1, "prefix": form.prefix,
                             "types": form.fields["type"].choices,
                             "errors": [str(message) for messages in form.errors.values()
                                        for message in messages]})
        context["widget"].update({
            "disabled": bool(attrs.get("disabled")), "form_id": attrs.get("form", ""),
            "rows": rows, "total": len(rows), "max_rows": MAX_ROWS, "added": shown.added,
            "unreadable": json.dumps(shown.stored) if shown.unreadable else "",
        })
        return context


class ManualInputsField(forms.Field):
    """The manual trigger's `inputs`, as rows."""

    css_class = "wb-inputs"
    errors_at_inputs = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        kwargs.setdefault("widget", ManualInputsWidget())
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        """The stored `inputs` list (None: no input); the rows' messages as a
        ValidationError."""
        shown = self.widget.as_input(value)
        if shown.unreadable:
            return shown.stored
        formset = self.widget.formset("rows", shown.rows)
        if not formset.is_valid():
            raise forms.ValidationError(formset.messages() or formset.non_form_errors())
        items = [form.item(_keep(row)) for form, row in zip(formset.forms, shown.rows,
                                                             strict=True)
                 if not form.cleaned_data.get("skip")]
        return items or None


@register_builder_widget("inputs")
def manual_inputs_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return ManualInputsField(**kwargs)
