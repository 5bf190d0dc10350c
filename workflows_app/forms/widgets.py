"""Django admin's autocomplete (select2) over the records or users of a model
registered for workflows, searched by what staff know (an order number, a name,
an e-mail) through the builder's autocomplete endpoint, instead of typing an id.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.admin.widgets import AutocompleteMixin, get_select2_language
from django.urls import NoReverseMatch, reverse

#: The admin URL of the endpoint (`workflows_app.admin.endpoints.autocomplete_view`).
AUTOCOMPLETE_URL_NAME = "admin:workflows_app_workflow_builder_autocomplete"


def autocomplete_url(type_spec: str) -> str | None:
    """The endpoint's address for records of `type_spec` ("Record[demo.order]",
    "User"), or None when the app's admin is not mounted as "admin"."""
    try:
        return f"{reverse(AUTOCOMPLETE_URL_NAME)}?{urlencode({'type': type_spec})}"
    except NoReverseMatch:
        return None


class RecordAutocomplete(AutocompleteMixin, forms.Select):
    """A select of one record, filled as staff type (Django admin's autocomplete
    look and scripts). Use with a `ModelChoiceField`; only the chosen record is
    rendered as an option, whatever the size of the queryset."""

    def __init__(self, url: str, attrs: dict[str, Any] | None = None) -> None:
        forms.Select.__init__(self, attrs)
        self.url = url
        self.db = None
        self.i18n_name = get_select2_language()

    def get_url(self) -> str:
        return self.url

    def build_attrs(self, base_attrs: dict[str, Any],
                    extra_attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        attrs = forms.Select.build_attrs(self, base_attrs, extra_attrs=extra_attrs)
        classes = attrs.get("class", "")
        attrs.update({
            "data-ajax--cache": "true",
            "data-ajax--delay": 250,
            "data-ajax--type": "GET",
            "data-ajax--url": self.url,
            "data-theme": "admin-autocomplete",
            "data-allow-clear": json.dumps(not self.is_required),
            "data-placeholder": "",
            "lang": self.i18n_name,
            "class": f"{classes} admin-autocomplete".strip(),
        })
        return attrs

    def optgroups(self, name: str, value: Any, attrs: dict[str, Any] | None = None
                  ) -> list[Any]:
        default: tuple[Any, list[Any], int] = (None, [], 0)
        selected = {str(item) for item in value if item not in (None, "")}
        if not self.is_required:
            default[1].append(self.create_option(name, "", "", False, 0))
        field = getattr(self.choices, "field", None)
        if selected and field is not None:
            for obj in field.queryset.filter(pk__in=[item for item in selected
                                                     if item.isdecimal()]):
                default[1].append(self.create_option(
                    name, obj.pk, field.label_from_instance(obj), True, len(default[1])))
        return [default]
