"""Widget `json_rows`: a JSON object (an HTTP request's body or headers) as rows of
name, kind and value, a Django formset rendered by the server; adding or removing
a row, changing a row's kind or switching to "Edit as JSON (advanced)" asks the
server again (htmx, `builder/widget/`), like the inlines of Django's admin.

The param's `extra` may set `kinds` (the kinds a row may be: `text`, `number`,
`bool`, `json`; headers are text only) and `row_label` (what a row is called:
"field", "header"). The stored value is the object itself, unchanged: numbers
stay numbers, yes/no is true/false, text may hold {{ variables }}; anything that
is no object of those kinds (plain text, a list) is edited as JSON text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet, formset_factory

from engine.types import ValueType
from workflows_app.forms.builder_widgets import register_builder_widget
from workflows_app.forms.server_rows import MAX_ROWS, apply_row_action, row_count
from workflows_app.forms.server_widget import BadWidgetInput

__all__ = ["KINDS", "MAX_ROWS", "JsonRowsField", "JsonRowsWidget", "RowForm", "RowsInput",
           "read_json_text"]

#: A row's kinds, in the order offered: kind -> label.
KINDS = {"text": "Text", "number": "Number", "bool": "Yes / no",
         "json": "List or group (JSON)"}
#: Longest text of one row's value or of the JSON box.
MAX_TEXT = 100_000
_NUMBER = re.compile(r"^-?\d[\d_]*$")
_LOOKS_LIKE_JSON = re.compile(r"^\s*[\[{\"]")


def read_json_text(raw: str) -> Any:
    """Text typed into a JSON box: JSON when it parses; plain words (`Hello shop`)
    are text; what starts like JSON but does not parse is an error (None: empty)."""
    text = raw.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        if _LOOKS_LIKE_JSON.match(text):
            raise forms.ValidationError(
                "This is not valid JSON (%(reason)s). Fix it, or clear the box.",
                code="invalid", params={"reason": exc}) from None
        return raw


def _json_text(value: Any) -> str:
    """How a value shows in the JSON box: text as typed, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str) and not _LOOKS_LIKE_JSON.match(value):
        try:
            read = read_json_text(value)
        except forms.ValidationError:
            read = None
        if read == value:
            return value
    return json.dumps(value, indent=2)


def _kind_of(value: Any) -> str:
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "json"


def _row_text(kind: str, value: Any) -> str:
    if kind == "json":
        return json.dumps(value)
    if kind == "bool":
        return "true" if value else "false"
    return "" if value is None else str(value)


def _parse_number(text: str) -> int | float | None:
    text = text.strip()
    if _NUMBER.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class RowForm(forms.Form):
    """One row: a name, a kind and the value as typed (read by its kind)."""

    name = forms.CharField(required=False, max_length=200, strip=False)
    kind = forms.ChoiceField(choices=list(KINDS.items()))
    value = forms.CharField(required=False, max_length=MAX_TEXT, strip=False)

    def __init__(self, *args: Any, kinds: tuple[str, ...] = tuple(KINDS), noun: str = "value",
                 number: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, KINDS[kind]) for kind in kinds]
        self.noun = noun
        self.number = number

    def where(self, name: str) -> str:
        """`Field 2 ("total")`: the row, as a person finds it."""
        row = f"{self.noun[:1].upper()}{self.noun[1:]} {self.number}"
        return f'{row} ("{name}")' if name else row

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        name = data.get("name", "").strip()
        kind, text = data["kind"], data.get("value", "")
        data["skip"] = False
        if not name:
            if not text.strip() and kind != "bool":
                data["skip"] = True  # a blank row: shown, never saved
                return data
            raise forms.ValidationError("%(row)s: give this %(noun)s a name, or remove the row.",
                                        code="unnamed",
                                        params={"row": self.where(""), "noun": self.noun})
        data["name"] = name
        if kind == "number":
            number = _parse_number(text)
            if number is None:
                raise forms.ValidationError(
                    '%(row)s: "%(text)s" is not a number (e.g. 12 or 12.50).',
                    code="number", params={"row": self.where(name), "text": text})
            data["parsed"] = number
        elif kind == "bool":
            data["parsed"] = text.strip().lower() in ("true", "yes", "1", "on")
        elif kind == "json":
            try:
                data["parsed"] = json.loads(text) if text.strip() else None
            except ValueError as exc:
                raise forms.ValidationError("%(row)s: this is not valid JSON (%(reason)s).",
                                            code="json",
                                            params={"row": self.where(name), "reason": exc}
                                            ) from None
        else:
            data["parsed"] = text
        return data


class BaseRowFormSet(BaseFormSet):
    """The rows; a name given twice is an error at its second row."""

    def __init__(self, *args: Any, kinds: tuple[str, ...] = tuple(KINDS), noun: str = "value",
                 **kwargs: Any) -> None:
        self.kinds = kinds
        self.noun = noun
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"kinds": self.kinds, "noun": self.noun,
                "number": 0 if index is None else index + 1}

    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or data.get("skip"):
                continue
            if data["name"] in seen:
                form.add_error(None, forms.ValidationError(
                    '%(row)s: "%(name)s" is already set above.', code="duplicate",
                    params={"row": form.where(data["name"]), "name": data["name"]}))
            seen.add(data["name"])

    def value(self) -> dict[str, Any] | None:
        """The object the valid rows stand for (None: no row filled)."""
        value = {form.cleaned_data["name"]: form.cleaned_data["parsed"] for form in self.forms
                 if not form.cleaned_data.get("skip")}
        return value or None

    def messages(self) -> list[str]:
        return [str(message) for form in self.forms for messages in form.errors.values()
                for message in messages]


RowFormSet = formset_factory(RowForm, formset=BaseRowFormSet, extra=0, max_num=MAX_ROWS,
                             absolute_max=MAX_ROWS, validate_max=True)


@dataclass
class RowsInput:
    """What the widget's inputs hold: rows (name, kind and value as typed) or the
    JSON box, and a note about a switch that could not be made."""

    raw: bool = False
    text: str = ""
    rows: list[dict[str, str]] = dataclass_field(default_factory=list)
    note: str = ""
    #: A row was just added (its name input takes the focus).
    added: bool = False


class JsonRowsWidget(forms.Widget):
    """The rows (a formset) or the JSON box, the buttons that add and remove rows
    and the "Edit as JSON (advanced)" switch; rendered by the server on every change."""

    template_name = "workflows_app/widgets/json_rows.html"
    server_rendered = True

    def __init__(self, kinds: tuple[str, ...], noun: str,
                 attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kinds = kinds
        self.noun = noun

    def formset(self, name: str, rows: list[dict[str, str]]) -> BaseRowFormSet:
        """The rows as a bound formset (its messages are the rows')."""
        prefix = f"{name}_rows"
        data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
        for index, row in enumerate(rows):
            for key in ("name", "kind", "value"):
                data[f"{prefix}-{index}-{key}"] = row.get(key, "")
        return RowFormSet(data, prefix=prefix, kinds=self.kinds, noun=self.noun)

    def rows_for(self, value: Any) -> list[dict[str, str]] | None:
        """The rows of a stored value, or None when it does not fit rows."""
        if value is None:
            return []
        if not isinstance(value, dict):
            return None
        rows = []
        for name, item in value.items():
            kind = _kind_of(item)
            if kind not in self.kinds:
                return None
            rows.append({"name": str(name), "kind": kind, "value": _row_text(kind, item)})
        return rows

    def as_input(self, value: Any) -> RowsInput:
        """What the inputs show for a stored value."""
        if isinstance(value, RowsInput):
            return value
        rows = self.rows_for(value)
        if rows is None:
            return RowsInput(raw=True, text=_json_text(value))
        return RowsInput(rows=rows)

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> RowsInput:
        changed = str(data.get("changed", ""))
        wants_raw = data.get(f"{name}_mode") == "raw"
        text_key = f"{name}_text"
        if text_key in data:  # the JSON box was shown
            text = str(data[text_key])
            if len(text) > MAX_TEXT:
                raise BadWidgetInput("The JSON is too long to be edited here.")
            shown = RowsInput(raw=True, text=text)
            return shown if wants_raw else self._to_rows(shown)
        shown = RowsInput(rows=self._rows_from(data, name, changed))
        shown.added = apply_row_action(data, name, shown.rows,
                                       {"name": "", "kind": self.kinds[0], "value": ""})
        return self._to_raw(name, shown) if wants_raw else shown

    def _rows_from(self, data: Mapping[str, Any], name: str, changed: str
                   ) -> list[dict[str, str]]:
        prefix = f"{name}_rows"
        rows = []
        for index in range(row_count(data, prefix)):
            row = {key: str(data.get(f"{prefix}-{index}-{key}", ""))
                   for key in ("name", "kind", "value")}
            if any(len(text) > MAX_TEXT for text in row.values()):
                raise BadWidgetInput("A value is too long to be edited here.")
            if changed == f"{prefix}-{index}-kind" and row["kind"] == "bool" \
                    and row["value"].strip().lower() not in ("true", "false"):
                row["value"] = "true"  # a new yes/no starts as yes
            rows.append(row)
        return rows

    def _to_raw(self, name: str, shown: RowsInput) -> RowsInput:
        formset = self.formset(name, shown.rows)
        if not formset.is_valid():
            shown.note = "Fix the rows marked above first."
            return shown
        value = formset.value()
        return RowsInput(raw=True, text="" if value is None else json.dumps(value, indent=2))

    def _to_rows(self, shown: RowsInput) -> RowsInput:
        try:
            value = read_json_text(shown.text)
        except forms.ValidationError:
            shown.note = "Fix the JSON first."
            return shown
        rows = self.rows_for(value)
        if rows is None:
            shown.note = ("This JSON cannot be shown as rows (it is not a group of named "
                          "values, or holds values rows do not offer).")
            return shown
        return RowsInput(rows=rows)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None
                    ) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        shown = self.as_input(value)
        attrs = dict(attrs or {})
        label = str(attrs.pop("aria-label", "") or "Value")
        disabled = bool(attrs.get("disabled"))
        form_id = attrs.get("form", "")
        rows: list[dict[str, Any]] = []
        error = ""
        if shown.raw:
            try:
                read_json_text(shown.text)
            except forms.ValidationError as exc:
                error = exc.messages[0]
        else:
            formset = self.formset(name, shown.rows)
            formset.is_valid()
            for index, form in enumerate(formset.forms):
                data = shown.rows[index]
                messages = [str(message) for messages in form.errors.values()
                            for message in messages]
                rows.append({
                    "number": index + 1, "prefix": form.prefix, "name": data["name"],
                    "kind": data["kind"] if data["kind"] in self.kinds else self.kinds[0],
                    "value": data["value"], "errors": messages,
                })
        context["widget"].update({
            "label": label, "noun": self.noun, "disabled": disabled, "form_id": form_id,
            "raw": shown.raw, "text": shown.text, "error": error, "note": shown.note,
            "rows": rows, "kinds": [(kind, KINDS[kind]) for kind in self.kinds],
            "total": len(rows), "max_rows": MAX_ROWS, "added": shown.added,
            "many_kinds": len(self.kinds) > 1,
        })
        return context


class JsonRowsField(forms.Field):
    """A JSON object as rows (or, behind the advanced switch, JSON text)."""

    #: The box around the rows.
    css_class = "wb-json-rows"
    #: Each row's message is shown at the row.
    errors_at_inputs = True

    def __init__(self, *, kinds: Any = None, row_label: Any = None, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        if kinds is None:
            kinds = tuple(KINDS)
        if not isinstance(kinds, list | tuple) or not kinds \
                or any(kind not in KINDS for kind in kinds):
            raise ValueError(f"Rows may be of these kinds only: {', '.join(KINDS)}.")
        noun = row_label if isinstance(row_label, str) and row_label.strip() else "value"
        self.kinds = tuple(dict.fromkeys(kinds))
        self.noun = noun.strip()[:40]
        kwargs.setdefault("widget", JsonRowsWidget(self.kinds, self.noun))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        """The stored value of what the inputs hold (None: nothing); the rows'
        messages (or the JSON box's) as a ValidationError."""
        shown = self.widget.as_input(value)
        if shown.raw:
            return read_json_text(shown.text)
        formset = self.widget.formset("rows", shown.rows)
        if not formset.is_valid():
            raise forms.ValidationError(formset.messages() or formset.non_form_errors())
        return formset.value()


@register_builder_widget("json_rows", options=("kinds", "row_label"))
def json_rows_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return JsonRowsField(**kwargs)
