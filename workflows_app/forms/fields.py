"""One mapping from a value type of the workflow language to a Django form field
and widget, for every form that asks for a value (the "Run now" form of manual
workflows; anything else that asks for a typed value).

Factories are found along the type's class hierarchy, the way operators are:
`Email` has its own factory, `Phone` (a `String`) falls back to the `String` one.
A project adds or replaces one::

    from workflows_app.forms.fields import register_form_field

    @register_form_field(Phone)
    def phone_field(value_type, **kwargs):
        return PhoneNumberField(**kwargs)

`kwargs` carries `label`, `required`, `help_text` and `initial`. A connection
type, a nested step list or any type of another package registers its field the
same way, from its app's `ready()` or the module that defines the type.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django import forms

from engine.errors import ValueParseError
from engine.types import (
    JSON,
    URL,
    ArrayType,
    Bool,
    Choice,
    DateTime,
    Duration,
    Email,
    Number,
    Phone,
    Record,
    String,
    Text,
    User,
    ValueType,
)
from workflows_app.forms.widgets import RecordAutocomplete, autocomplete_url
from workflows_app.forms.zoned_datetime import ZonedDateTimeField
from workflows_app.records import get_registration, user_model_label
from workflows_app.tenancy.scoping import current_visibility

__all__ = ["MAX_RECORD_CHOICES", "DurationTextField", "FormFieldFactory", "LinesField",
           "RecordIdField", "TelInput", "form_field_for", "form_field_registry",
           "register_form_field", "search_records"]

FormFieldFactory = Callable[..., forms.Field]

#: Engine type class -> form field factory `(value_type, **kwargs) -> forms.Field`.
form_field_registry: dict[type[ValueType], FormFieldFactory] = {}

#: Record inputs over more rows than this are searched as staff type (admin's
#: autocomplete), not listed.
MAX_RECORD_CHOICES = 200

#: True while inputs are made for a page that searches every record input as staff
#: type, whatever the model's size (the builder: its page lists no records; the
#: search endpoint checks the model's view permission).
search_records: ContextVar[bool] = ContextVar("search_records", default=False)


class RecordIdField(forms.CharField):
    """The id of a record of a model not known in advance (a record of any model)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "vIntegerField",
                                                           "placeholder": "id"}))
        super().__init__(**kwargs)


def register_form_field(type_class: type[ValueType]) -> Callable[[FormFieldFactory],
                                                                 FormFieldFactory]:
    """Decorator: build inputs of `type_class` (and its subclasses) with the factory
    (a later registration for the same class replaces the earlier one)."""

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


class TelInput(forms.TextInput):
    """A phone number box (mobile keyboards show digits)."""

    input_type = "tel"


@register_form_field(Phone)
def _phone_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return forms.CharField(max_length=getattr(value_type, "max_length", None),
                           widget=TelInput(attrs=_attrs(value_type)),
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
    # A date, a time and its timezone (workflows_app.forms.zoned_datetime).
    return ZonedDateTimeField(**_help(value_type, kwargs))


class DurationTextField(forms.CharField):
    """A length of time as staff write it ("2 days", "1 hour 30 minutes") or in ISO
    8601 ("P2D"), checked by its value type; kept as typed."""

    def __init__(self, value_type: ValueType, **kwargs: Any) -> None:
        self.value_type = value_type
        kwargs.setdefault("widget", forms.TextInput(attrs=_attrs(value_type)))
        super().__init__(**_help(value_type, kwargs))

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        try:
            self.value_type.parse(value)
        except ValueParseError as exc:
            why = exc.detail  # the type's why, without the value ("longer than ten years")
            raise forms.ValidationError(
                'Enter a length of time such as "2 days" or "1 hour 30 minutes"%(why)s.',
                code="invalid", params={"why": f": {why}" if why else ""}) from exc


@register_form_field(Duration)
def _duration_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return DurationTextField(value_type, **kwargs)


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
        return RecordIdField(**kwargs)
    kwargs = _help(value_type, kwargs)
    # Too many to list (or a page that lists none): search as staff type.
    if search_records.get() or queryset.count() > MAX_RECORD_CHOICES:
        url = autocomplete_url(value_type.spec)
        if url is None:  # no admin to search with: ask for the id
            kwargs.setdefault("help_text", f"The id of the {value_type.model_label.lower()}.")
            return forms.ModelChoiceField(
                queryset=queryset, widget=forms.TextInput(attrs={"class": "vIntegerField"}),
                **kwargs)
        return forms.ModelChoiceField(queryset=queryset, widget=RecordAutocomplete(url),
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
