"""A step's card in the builder as a Django form built from the step type's metadata.

`StepCardForm` holds what every step has (its label, its key, "only run this step
if…", what happens when it fails, its retries) as form fields, and one row per
param the step type declares (`engine.Param`): the param's label, whether it is
required, its help (with its default), and the input of one literal value as the
form field of its type (`workflows_app.forms.builder.input_field`, the one value
type -> form field mapping). A param whose value has structure (a list, a
structure, nested steps, a condition) gets a placeholder the builder's script
mounts its editor into; the script also adds "Fixed value / Reference" where a
reference fits. The card is rendered by `workflows_app.admin.step_cards`.

Values are shown as the draft holds them; what is typed goes back into the
definition JSON (the stored form), never through this form's POST.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.safestring import SafeString

from engine import Param, StepType
from engine.definition import MAX_ATTEMPTS, MAX_BACKOFF_SECONDS
from engine.types import ArrayType
from workflows_app.forms.builder import input_attrs, input_field, renders_input

__all__ = ["ON_ERROR_CHOICES", "ParamRow", "StepCardForm", "card_id", "param_help"]

#: What happens when a step fails, as the card offers it.
ON_ERROR_CHOICES = [("stop", "Stop the workflow (the run fails)"),
                    ("continue", "Continue with the next step")]

_NOT_ID = re.compile(r"[^A-Za-z0-9]+")


def card_id(path: str) -> str:
    """The prefix of the ids of a card's inputs (`steps[0].params.steps[1]` ->
    `wb-steps-0-params-steps-1`): unique on the page, as a step's place is."""
    return "wb-" + _NOT_ID.sub("-", path).strip("-")


def _display(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def param_help(param: Param) -> str:
    """A param's help, and its default unless the help already mentions one."""
    default = param.default_json()
    parts = [param.help]
    if (default is not None and not isinstance(default, bool)
            and "default" not in param.help.lower()):
        parts.append(f"Default: {_display(default)}.")
    return " ".join(part for part in parts if part)


@dataclass
class ParamRow:
    """One param of the card: where it is (`path`, for errors), how it is labelled,
    and its input (`control`: the form field's widget, empty when the builder's
    script draws the value's editor)."""

    name: str
    label: str
    path: str
    input_id: str
    required: bool
    help: str
    control: SafeString
    #: The control is the input of one item of a list.
    item: bool


def _param_control(param: Param, input_id: str, check_url: str | None
                   ) -> tuple[SafeString, bool]:
    value_type = param.type
    item = isinstance(value_type, ArrayType)
    if item:
        value_type = value_type.item_type  # type: ignore[attr-defined]
    if not renders_input(value_type):
        return SafeString(""), item
    # The widget the param asks for (`extra["widget"]`), of the value (not of a list's item).
    widget = None if item else param.extra.get("widget")
    widget = widget if isinstance(widget, str) else None
    field = input_field(value_type, widget, options=param.extra, label=param.display_label)
    attrs = {**input_attrs(value_type, field, check_url, widget), "id": input_id}
    # A widget renders safe HTML (its template escapes the attributes).
    return field.widget.render("value", None, attrs=attrs), item


class StepCardForm(forms.Form):
    """The card of one step of type `step_class` at `path` (`steps[2]`, or a nested
    step's `steps[0].params.steps[1]`), showing `step` (the step as the draft holds it)."""

    #: Nothing of the card is posted as it is (the definition JSON is): the builder
    #: says what is missing itself.
    use_required_attribute = False

    label = forms.CharField(
        label="Label", required=False,
        help_text="A name for this step, shown in run history and in messages.")
    key = forms.CharField(
        label="Key",
        help_text="Made from the label. Later steps use this step\N{RIGHT SINGLE QUOTATION MARK}s "
                  "results as steps.<key>.…")
    when = forms.BooleanField(label="Only run this step if…", required=False)
    on_error = forms.ChoiceField(label="If it fails", choices=ON_ERROR_CHOICES,
                                 required=False)
    # The engine's limits, so that the number boxes offer what it accepts.
    max_attempts = forms.IntegerField(label="Attempts in all", min_value=1,
                                      max_value=MAX_ATTEMPTS, required=False)
    backoff_seconds = forms.FloatField(label="Seconds between attempts", min_value=0,
                                       max_value=MAX_BACKOFF_SECONDS, required=False)

    def __init__(self, step_class: type[StepType], step: Mapping[str, Any], *, path: str,
                 check_url: str | None = None) -> None:
        self.step_class = step_class
        self.path = path
        prefix = card_id(path)
        retry = step.get("retry") if isinstance(step.get("retry"), Mapping) else {}
        on_error = step.get("on_error")
        super().__init__(auto_id=f"{prefix}-%s", initial={
            "label": step.get("label") if isinstance(step.get("label"), str) else "",
            "key": step.get("key") if isinstance(step.get("key"), str) else "",
            "when": "when" in step,
            "on_error": on_error if on_error in dict(ON_ERROR_CHOICES) else "stop",
            "max_attempts": retry.get("max_attempts"),
            "backoff_seconds": retry.get("backoff_seconds"),
        })
        title = step_class.label or step_class.key
        self._attrs("label", "vTextField wb-step-label", "label", placeholder=title)
        self._attrs("key", "vTextField wb-step-key", "key", spellcheck="false")
        self._attrs("when", "", "when", role="toggle", **{"aria-label": "Only run this step if"})
        self._attrs("on_error", "", "on_error")
        self._attrs("max_attempts", "vIntegerField", "retry.max_attempts", placeholder="1",
                    step="1", **{"aria-label": "Attempts in all"})
        self._attrs("backoff_seconds", "vIntegerField", "retry.backoff_seconds",
                    placeholder="0", step="any", **{"aria-label": "Seconds between attempts"})
        self.title = title
        self.description = step_class.description
        self.number = int(path.rsplit("[", 1)[1].rstrip("]")) + 1
        self.params_path = f"{path}.params"
        self.has_options = any(name in step for name in ("when", "on_error", "retry"))
        params = step.get("params")
        self.params_invalid = "params" in step and not isinstance(params, Mapping)
        declared = {param.name for param in step_class.params}
        self.unknown = sorted(name for name in (params if isinstance(params, Mapping) else {})
                              if name not in declared)
        self.params = [self._row(param, prefix, check_url) for param in step_class.params]

    def _attrs(self, name: str, css: str, place: str, role: str = "value",
               **attrs: str) -> None:
        widget = self.fields[name].widget
        if css:
            widget.attrs["class"] = css
        widget.attrs["data-focus"] = f"{self.path}.{place}|{role}"
        widget.attrs.update(attrs)

    def _row(self, param: Param, prefix: str, check_url: str | None) -> ParamRow:
        input_id = f"{prefix}-param-{param.name}"
        control, item = _param_control(param, input_id, check_url)
        return ParamRow(name=param.name, label=param.display_label,
                        path=f"{self.params_path}.{param.name}", input_id=input_id,
                        required=param.required and param.default is None,
                        help=param_help(param), control=control, item=item)
