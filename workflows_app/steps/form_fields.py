"""Form fields of the step types' own value types (registered with the value-type ->
form-field mapping, so the builder and the "Run now" form show the same input)."""

from __future__ import annotations

from typing import Any

from django import forms

from engine.types import ValueType
from workflows_app.forms.fields import register_form_field
from workflows_app.steps.types import URLTemplate


@register_form_field(URLTemplate)
def url_template_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    """A web address box; `{{ variables }}` may be typed in it (checked on save)."""
    if not kwargs.get("help_text") and value_type.help_text:
        kwargs["help_text"] = value_type.help_text
    attrs = {"class": "vURLField", "placeholder": value_type.placeholder}
    return forms.CharField(widget=forms.URLInput(attrs=attrs), **kwargs)
