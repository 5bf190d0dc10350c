"""Template filters of the run history pages: `{% load workflows_history %}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def when(value: Any) -> str:
    """A time to the second, in the current time zone: "Nov. 21, 2026, 17:27:05".
    Run histories need seconds; the admin's DATETIME_FORMAT usually stops at minutes."""
    if not isinstance(value, datetime):
        return "—" if value in (None, "") else str(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{formats.date_format(value, 'DATE_FORMAT')}, {value:%H:%M:%S}"


@register.simple_tag
def event_record(event: Any) -> SafeString | str:
    """The record an event is about as staff name it ("Order A-1005", the label
    the event recorded), linked to its admin page when the model has one; else
    "Order #5". Whoever follows the link meets that page's own permissions."""
    model = str(getattr(event, "record_model", "") or "")
    pk = getattr(event, "record_pk", "")
    if not model:
        return ""
    payload = getattr(event, "payload", None)
    label = payload.get("record_label") if isinstance(payload, dict) else None
    app_label, _dot, model_name = model.partition(".")
    if not isinstance(label, str) or not label.strip():
        label = f"{model_name.replace('_', ' ').capitalize()} #{pk}"
    try:
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}" title="{} #{}">{}</a>', url, model, pk, label)
