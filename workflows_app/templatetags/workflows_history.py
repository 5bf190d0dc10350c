"""Template filters of the run history pages: `{% load workflows_history %}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import formats, timezone

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
