"""The admin form of a connection, built from its kind's declared settings.

Public settings are ordinary fields. A secret setting is never sent to the
browser: its field is an empty password input whose help says whether a value is
set and when it last changed; typing a value replaces it, leaving it empty keeps
it, and "clear" removes an optional one.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _

from engine.errors import ValueParseError
from engine.types import JSON
from workflows_app.connections.kinds import ConnectionKind, Setting
from workflows_app.forms.manual import form_field_for
from workflows_app.models import Connection

SECRET_PREFIX = "secret__"
CLEAR_PREFIX = "clear__"


def public_field_name(setting: Setting) -> str:
    return f"setting__{setting.name}"


def secret_field_name(setting: Setting) -> str:
    return SECRET_PREFIX + setting.name


def clear_field_name(setting: Setting) -> str:
    return CLEAR_PREFIX + setting.name


def secret_status(connection: Connection | None, setting: Setting) -> str:
    """"Set, last changed <date>" or "Not set" (never the value)."""
    if connection is None or not connection.has_secret(setting.name):
        return _("Not set.")
    changed = connection.secret_changed_at(setting.name)
    if changed is None:
        return _("Set.")
    return _("Set, last changed %(date)s.") % {
        "date": formats.date_format(changed, "DATETIME_FORMAT")}


def field_names(kind: type[ConnectionKind]) -> list[str]:
    """The form's fields for `kind`, in declaration order."""
    names: list[str] = []
    for setting in kind.settings:
        if setting.secret:
            names.append(secret_field_name(setting))
            if not setting.required:
                names.append(clear_field_name(setting))
        else:
            names.append(public_field_name(setting))
    return names


def setting_fields(kind: type[ConnectionKind], existing: Connection | None
                   ) -> dict[str, forms.Field]:
    """The form fields of `kind`'s settings, for a new or an `existing` connection."""
    fields: dict[str, forms.Field] = {}
    for setting in kind.settings:
        if setting.secret:
            fields.update(_secret_fields(setting, existing))
        else:
            initial = existing.settings.get(setting.name) if existing else setting.default
            fields[public_field_name(setting)] = form_field_for(
                setting.type, label=setting.display_label,
                required=setting.required and setting.default is None,
                help_text=setting.help, initial=initial)
    return fields


def _secret_fields(setting: Setting, existing: Connection | None) -> dict[str, forms.Field]:
    is_set = existing is not None and existing.has_secret(setting.name)
    status = secret_status(existing, setting)
    hint = _("Type a new value to replace it; leave empty to keep it.") if is_set else ""
    help_text = " ".join(part for part in (status, hint, str(setting.help)) if part)
    widget: forms.Widget
    if isinstance(setting.type, JSON):
        widget = forms.Textarea(attrs={"class": "vLargeTextField", "rows": 3,
                                       "autocomplete": "off"})
    else:
        widget = forms.PasswordInput(render_value=False, attrs={
            "class": "vTextField", "autocomplete": "new-password"})
    label = setting.display_label if not is_set else _("Replace %(label)s") % {
        "label": setting.display_label.lower()}
    fields: dict[str, forms.Field] = {secret_field_name(setting): forms.CharField(
        label=label, required=setting.required and not is_set, strip=True, widget=widget,
        help_text=help_text)}
    if not setting.required:
        fields[clear_field_name(setting)] = forms.BooleanField(
            label=_("Clear %(label)s") % {"label": setting.display_label.lower()},
            required=False)
    return fields


class ConnectionForm(forms.ModelForm):
    """Name, description and the settings of one kind (set `kind` on the subclass)."""

    kind: type[ConnectionKind]

    class Meta:
        model = Connection
        fields = ["name", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.instance.kind = self.kind.key  # the add page shows the kind chosen
        self.fields.update(setting_fields(self.kind, self.instance if self.instance.pk
                                          else None))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.setting_values: dict[str, Any] = {}
        self.secret_values: dict[str, Any] = {}
        for setting in self.kind.settings:
            name = secret_field_name(setting) if setting.secret else public_field_name(setting)
            if name in self.errors:
                continue
            raw = cleaned.get(name)
            if setting.secret and raw in (None, ""):
                continue  # kept as it is (or cleared, below)
            if isinstance(setting.type, JSON) and isinstance(raw, str):
                try:
                    raw = json.loads(raw)
                except ValueError as exc:
                    self.add_error(name, _("This is not valid JSON: %(error)s") % {
                        "error": exc})
                    continue
            try:
                value = self.kind.parse_setting(setting, raw)
            except ValueParseError as exc:
                self.add_error(name, exc.reason)
                continue
            (self.secret_values if setting.secret else self.setting_values)[setting.name] = value
        for name, message in self.kind.clean({**self.setting_values}).items():
            setting = self.kind.setting(name)
            self.add_error(public_field_name(setting) if setting and not setting.secret
                           else None, message)
        return cleaned

    def save(self, commit: bool = True) -> Connection:
        connection: Connection = super().save(commit=False)
        connection.kind = self.kind.key
        connection.settings = {**self.setting_values}
        for setting in self.kind.secret_settings():
            if setting.name in self.secret_values:
                connection.set_secret(setting.name, self.secret_values[setting.name])
            elif self.cleaned_data.get(clear_field_name(setting)):
                connection.set_secret(setting.name, None)
        if commit:
            connection.save()
        return connection


def connection_form(kind: type[ConnectionKind]) -> type[ConnectionForm]:
    """The form class for connections of `kind`."""
    return type(f"{kind.__name__}ConnectionForm", (ConnectionForm,),
                {"kind": kind, **setting_fields(kind, None)})
