"""Widget `timezone`: a select of the timezones the server knows (zoneinfo)."""

from __future__ import annotations

from typing import Any

from django import forms

from engine.types import ValueType
from workflows_app.forms.builder_widgets import register_builder_widget
from workflows_app.forms.zoned_datetime import named_zones

__all__ = ["TimezoneField"]


class TimezoneField(forms.ChoiceField):
    """A timezone name ("Europe/Paris"), chosen from the server's list; blank when
    not required (the setting's default applies)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        choices = [(name, name.replace("_", " ")) for name in named_zones()]
        if not kwargs.get("required", True):
            choices = [("", "---------"), *choices]
        super().__init__(choices=choices, **kwargs)


@register_builder_widget("timezone")
def timezone_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return TimezoneField(**kwargs)
