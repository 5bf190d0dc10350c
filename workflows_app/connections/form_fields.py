"""The form field for a `Connection[kinds]` value: a list of the connections of
those kinds (registered with the value-type -> form field registry, so the
builder and the "Run now" form offer a list)."""

from __future__ import annotations

from typing import Any

from django import forms

from engine.types import Connection, ValueType
from workflows_app.forms.manual import register_form_field


class ConnectionChoiceField(forms.ChoiceField):
    """A select of connection names, read when the form is built (never cached)."""

    def __init__(self, value_type: Connection, **kwargs: Any) -> None:
        self.value_type = value_type
        choices = [("", "---------"), *[(name, label) for name, label in value_type.options()]]
        if not kwargs.get("help_text"):
            kwargs["help_text"] = value_type.help_text
        super().__init__(choices=choices, **kwargs)


@register_form_field(Connection)
def connection_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    assert isinstance(value_type, Connection)
    return ConnectionChoiceField(value_type, **kwargs)
