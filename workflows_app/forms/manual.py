"""The "Run now" form of a `manual` workflow, generated from its declared inputs.

Each input becomes one form field, chosen from its engine type through
`form_field_registry` (engine type class -> factory), looked up along the type's
class hierarchy the way operators are: `Email` has its own factory, `Phone`
(a `String`) falls back to the `String` one. A project adds or replaces one::

    from workflows_app.forms.manual import register_form_field

    @register_form_field(Phone)
    def phone_field(value_type, **kwargs):
        return PhoneNumberField(**kwargs)

`kwargs` carries `label`, `required`, `help_text` and `initial`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms

from engine.types import (
    JSON,
    URL,
    ArrayType,
    Bool,
    Choice,
    DateTime,
    Email,
    Number,
    Record,
    String,
    Text,
    User,
    ValueType,
)
from workflows_app.manual import ManualInputError, clean_manual_inputs
from workflows_app.models import Workflow
from workflows_app.records import get_registration, user_model_label
from workflows_app.tenancy.scoping import current_visibility, tenant_visibility, viewing_as
from workflows_app.triggers.manual.trigger import input_fields

FormFieldFactory = Callable[..., forms.Field]

#: Engine type class -> form field factory `(value_type, **kwargs) -> forms.Field`.
form_field_registry: dict[type[ValueType], FormFieldFactory] = {}

#: Record inputs over more rows than this get a text input for the id, not a list.
MAX_RECORD_CHOICES = 200


def register_form_field(type_class: type[ValueType]) -> Callable[[FormFieldFactory],
                                                                 FormFieldFactory]:
    """Decorator: build inputs of `type_class` (and its subclasses) with the factory."""

    def decorator(factory: FormFieldFactory) -> FormFieldFactory:
        form_field_registry[type_class] = factory
        return factory

    return decorator


def form_field_for(value_type: ValueType, **kwargs: Any) -> forms.Field:
    """The form field for an input of `value_type` (factory found along the MRO)."""
    for klass in type(value_type).__mro__:
        factory = form_field_registry.get(klass)
        if factory is not None:
            return factory(value_type, **kwargs)
    return forms.CharField(**kwargs)


def _attrs(value_type: ValueType, **extra: Any) -> dict[str, Any]:
    attrs = {"class": "vTextField"}
    if value_type.placeholder:
        attrs["placeholder"] = value_type.placeholder
    attrs.update(extra)
    return attrs


def _help(value_type: ValueType, kwargs: dict[str, Any]) -> dict[str, Any]:
    if not kwargs.get("help_text") and value_type.help_text:
        kwargs["help_text"] = value_type.help_text
    return kwargs


@register_form_field(ValueType)
def _any_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.CharField(widget=forms.TextInput(attrs=_attrs(value_type)),
                           **_help(value_type, kwargs))


@register_form_field(String)
def _string_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.CharField(max_length=getattr(value_type, "max_length", None),
                           widget=forms.TextInput(attrs=_attrs(value_type)),
                           **_help(value_type, kwargs))


@register_form_field(Text)
def _text_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    # Not the type's help ("Insert variables with {{ path }}"): inputs are plain text.
    return forms.CharField(max_length=getattr(value_type, "max_length", None),
                           widget=forms.Textarea(attrs={"class": "vLargeTextField", "rows": 4}),
                           **kwargs)


@register_form_field(Email)
def _email_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.EmailField(widget=forms.EmailInput(attrs=_attrs(value_type)),
                            **_help(value_type, kwargs))


@register_form_field(URL)
def _url_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.URLField(widget=forms.URLInput(attrs=_attrs(value_type, **{"class": "vURLField"})),
                          assume_scheme="https", **_help(value_type, kwargs))


@register_form_field(Number)
def _number_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}),
                              **_help(value_type, kwargs))


@register_form_field(Bool)
def _bool_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    # A checkbox always has a value: "required" would mean "must be ticked".
    kwargs["required"] = False
    return forms.BooleanField(**_help(value_type, kwargs))


@register_form_field(DateTime)
def _datetime_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                   format="%Y-%m-%dT%H:%M"),
        **_help(value_type, kwargs))


@register_form_field(Choice)
def _choice_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    choices = [(str(value), label) for value, label in value_type.options() or []]
    if not kwargs.get("required", True) or kwargs.get("initial") is None:
        choices = [("", "---------"), *choices]
    if kwargs.get("initial") is not None:
        kwargs["initial"] = str(kwargs["initial"])
    return forms.ChoiceField(choices=choices, **_help(value_type, kwargs))


@register_form_field(JSON)
def _json_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.JSONField(widget=forms.Textarea(attrs={"class": "vLargeTextField", "rows": 4}),
                           **_help(value_type, kwargs))


def _record_queryset(value_type: Record) -> Any:
    model = user_model_label() if isinstance(value_type, User) else value_type.model
    registration = get_registration(model)
    if registration is None:
        return None
    # With tenancy on: the records of the workflow's tenant (`manual_inputs_form`).
    return registration.visible_records(current_visibility())


@register_form_field(Record)
def _record_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    assert isinstance(value_type, Record)
    queryset = _record_queryset(value_type)
    if queryset is None:
        return forms.CharField(**kwargs)
    kwargs = _help(value_type, kwargs)
    if queryset.count() > MAX_RECORD_CHOICES:  # too many to list: ask for the id
        kwargs.setdefault("help_text", f"The id of the {value_type.model_label.lower()}.")
        return forms.ModelChoiceField(queryset=queryset,
                                      widget=forms.TextInput(attrs={"class": "vIntegerField"}),
                                      **kwargs)
    return forms.ModelChoiceField(queryset=queryset, **kwargs)


class LinesField(forms.CharField):
    """A list typed one item per line (inputs such as `Email[]`)."""

    widget = forms.Textarea

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value


@register_form_field(ArrayType)
def _array_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    assert isinstance(value_type, ArrayType)
    item = value_type.item_type
    kwargs = _help(item, kwargs)
    if isinstance(item, Record) and (queryset := _record_queryset(item)) is not None:
        return forms.ModelMultipleChoiceField(queryset=queryset, **kwargs)
    if isinstance(item, Choice):
        choices = [(str(value), label) for value, label in item.options() or []]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple,
                                         **kwargs)
    kwargs.setdefault("help_text", "One per line.")
    return LinesField(widget=forms.Textarea(attrs={"class": "vLargeTextField", "rows": 3}),
                      **kwargs)


class ManualInputsForm(forms.Form):
    """One field per declared input; `clean()` applies the same checks as
    `start_manual_run` and puts each message on its field."""

    def __init__(self, *args: Any, workflow: Workflow, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workflow = workflow
        # Record choices: with tenancy on, the records of the workflow's tenant.
        with viewing_as(tenant_visibility(workflow.tenant_id)):
            for scope_field, required, default in input_fields(workflow.trigger_config or {}):
                self.fields[scope_field.name] = form_field_for(
                    scope_field.type, label=scope_field.display_label, required=required,
                    help_text=scope_field.help, initial=default)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            clean_manual_inputs(self.workflow, cleaned)
        except ManualInputError as exc:
            for name, message in exc.errors.items():
                if name in self.errors:
                    continue  # the form field already said what is wrong
                self.add_error(name if name in self.fields else None, message)
        return cleaned


def manual_inputs_form(workflow: Workflow) -> type[ManualInputsForm]:
    """A form class for the declared inputs of `workflow`:
    `manual_inputs_form(workflow)(request.POST or None)`."""

    class WorkflowInputsForm(ManualInputsForm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("workflow", workflow)
            super().__init__(*args, **kwargs)

    WorkflowInputsForm.__name__ = f"Workflow{workflow.pk}InputsForm"
    return WorkflowInputsForm
