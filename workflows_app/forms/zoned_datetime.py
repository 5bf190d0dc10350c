"""A date and time with its timezone, as one Django form field: a date, a time of
day and a timezone (a UTC offset such as "+01:00", or a named zone such as
"Europe/Paris"), for every form that asks for a `DateTime` (the "Run now" form,
the builder).

The value is an aware `datetime` at the fixed UTC offset the chosen zone has at
that date and time; the definition stores it in ISO 8601 (`2026-01-31T09:00:00+01:00`,
what `DateTime` reads), so a stored value shows and comes back unchanged.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

from django import forms
from django.utils import timezone as django_timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

__all__ = ["OFFSETS", "ZonedDateTimeField", "ZonedDateTimeWidget", "named_zones", "offset_text",
           "parse_moment", "zone_choices"]

#: Offset choices, half-hourly from UTC-12:00 to UTC+14:00 plus Nepal's, the
#: Chatham Islands' and Eucla's.
OFFSETS: list[str] = []

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def offset_text(delta: timedelta | None) -> str:
    """ "+01:00" for one hour east of UTC."""
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


OFFSETS.extend(offset_text(timedelta(minutes=minutes)) for minutes in sorted(
    [*range(-12 * 60, 14 * 60 + 1, 30), 345, 525, 765]))


@cache
def named_zones() -> tuple[str, ...]:
    """The named timezones offered (UTC and Area/City names)."""
    return tuple(sorted(name for name in zoneinfo.available_timezones()
                        if "/" in name or name == "UTC"))


def zone_choices() -> list[tuple[str, Any]]:
    """The timezone select's choices: UTC offsets, then named zones."""
    return [
        ("UTC offset", [(text, "UTC" if text == "+00:00" else f"UTC{text}")
                        for text in OFFSETS]),
        ("Time zone", [(name, name.replace("_", " ")) for name in named_zones()]),
    ]


def parse_moment(value: Any) -> datetime | None:
    """An aware datetime from a stored value (ISO 8601 text or a datetime), or None."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip() and len(value) <= 64:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.utcoffset() is not None else None


def _tzinfo(zone: str) -> timezone | zoneinfo.ZoneInfo | None:
    match = _OFFSET.match(zone or "")
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    if zone in named_zones():
        return zoneinfo.ZoneInfo(zone)
    return None


class _TimeInput(forms.TimeInput):
    """A time of day box; seconds shown only when there are some."""

    input_type = "time"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, time):
            step = "%H:%M:%S.%f" if value.microsecond else (
                "%H:%M:%S" if value.second else "%H:%M")
            return value.strftime(step)
        return super().format_value(value)


class ZonedDateTimeWidget(forms.MultiWidget):
    """A date box, a time box and a timezone select."""

    template_name = "workflows_app/widgets/zoned_datetime.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.DateInput(attrs={"type": "date", "class": "wb-date"}, format="%Y-%m-%d"),
            _TimeInput(attrs={"class": "wb-time"}),
            forms.Select(attrs={"class": "wb-zone"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        moment = parse_moment(value)
        if moment is None:
            return [None, None, django_timezone.get_current_timezone_name()]
        return [moment.date(), moment.timetz().replace(tzinfo=None),
                offset_text(moment.utcoffset())]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None
                    ) -> dict[str, Any]:
        choices = zone_choices()
        zone = (value if isinstance(value, list | tuple) and len(value) == 3
                else self.decompress(value))[2]
        if zone and not any(zone == option for _, group in choices for option, _ in group):
            choices.insert(0, ("Saved", [(zone, zone if not _OFFSET.match(zone)
                                          else f"UTC{zone}")]))
        self.widgets[2].choices = choices
        context = super().get_context(name, value, attrs)
        label = (attrs or {}).get("aria-label") or self.attrs.get("aria-label")
        # Each box says what it is (the field's label names the first).
        for sub, what in zip(context["widget"]["subwidgets"], ("date", "time", "timezone"),
                             strict=True):
            sub["attrs"]["aria-label"] = f"{label}: {what}" if label else what.capitalize()
        return context


class ZonedDateTimeField(forms.MultiValueField):
    """A date, a time and a timezone -> an aware `datetime` (None when all blank).

    A named zone becomes the UTC offset it has at that date and time (summer or
    winter time)."""

    widget = ZonedDateTimeWidget
    #: The box around its inputs in the builder.
    css_class = "wb-datetime"
    default_error_messages = {
        "invalid_zone": "Choose a timezone from the list.",
        "incomplete": "Enter both a date and a time.",
    }

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.DateField(input_formats=["%Y-%m-%d"], error_messages={
                "invalid": "Enter a date such as 2026-01-31."}),
            forms.TimeField(input_formats=["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"],
                            error_messages={"invalid": "Enter a time of day such as 09:00."}),
            forms.CharField(),
        )
        kwargs.pop("max_length", None)
        super().__init__(fields, require_all_fields=False, **kwargs)
        for field in self.fields:
            field.required = False

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == 3 and not value[0] \
                and not value[1]:
            value = [None, None, None]  # a zone alone is no moment
        return super().clean(value)

    def compress(self, data_list: list[Any]) -> datetime | None:
        if not data_list:
            return None
        day, clock, zone = [*data_list, None, None, None][:3]
        if day in self.empty_values and clock in self.empty_values:
            return None
        if not isinstance(day, date) or not isinstance(clock, time):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        tzinfo = _tzinfo(zone or django_timezone.get_current_timezone_name())
        if tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid_zone"],
                                        code="invalid_zone")
        local = datetime.combine(day, clock)
        if isinstance(tzinfo, zoneinfo.ZoneInfo):
            # The offset the zone has then: stored as that fixed offset.
            return local.replace(tzinfo=timezone(local.replace(tzinfo=tzinfo).utcoffset()
                                                 or timedelta()))
        return local.replace(tzinfo=tzinfo)

    def prepare_value(self, value: Any) -> Any:
        return value

    def preview(self, value: Any, siblings: Mapping[str, Any]) -> SafeString:
        """In the builder: a saved value that is no date and time (typed in JSON,
        imported) is said, as its inputs show nothing of it."""
        if value in (None, "") or parse_moment(value) is not None:
            return SafeString("")
        return format_html(
            '<span class="wb-local-error" role="alert">Saved as “{}”, which is not a date and '
            "time with its timezone: choose one.</span>", str(value)[:100])


def to_json(value: datetime | None) -> str | None:
    """The stored form of a cleaned value (ISO 8601 with its offset)."""
    return None if value is None else value.isoformat()
