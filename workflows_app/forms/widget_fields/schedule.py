"""Widget `schedule`: the schedule picker. The common schedules as fields — every
day at, weekdays at, every N minutes, monthly on — and the cron text as the
advanced form; the value is the cron text (the schedule trigger's `cron`
setting, unchanged), and the preview lists its next five runs in the trigger's
timezone (`workflows_app.triggers.schedule.picker`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from engine.types import ValueType
from workflows_app.forms.builder_widgets import register_builder_widget
from workflows_app.triggers.config import timezone_problem
from workflows_app.triggers.schedule.picker import (
    KINDS,
    PickError,
    SchedulePick,
    cron_for,
    next_runs,
    pick_for,
    run_text,
)
from workflows_app.triggers.schedule.trigger import cron_problem, describe_cron

__all__ = ["ScheduleField", "ScheduleWidget"]

#: The picker's inputs, in order: (name, label).
PARTS = (("kind", "How often"), ("day", "Day of the month"), ("at", "Time of day"),
         ("minutes", "Every how many minutes"), ("cron", "Cron text"))
_CRON = len(PARTS) - 1


class ScheduleWidget(forms.MultiWidget):
    """How often, the day of the month, the time of day, every how many minutes,
    and the cron text."""

    template_name = "workflows_app/widgets/schedule.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.Select(choices=list(KINDS.items()), attrs={"class": "wb-schedule-kind"}),
            forms.NumberInput(attrs={"min": "1", "max": "31",
                                     "class": "vIntegerField wb-schedule-day"}),
            forms.TimeInput(attrs={"type": "time", "class": "wb-schedule-at"}),
            forms.NumberInput(attrs={"min": "1", "max": "59",
                                     "class": "vIntegerField wb-schedule-minutes"}),
            forms.TextInput(attrs={"class": "vTextField wb-cron", "placeholder": "0 9 * * 1-5",
                                   "spellcheck": "false"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, str) and value.strip():
            pick = pick_for(value)
        else:  # a new schedule: weekdays at 09:00
            pick = SchedulePick(kind="weekdays")
            pick.cron = cron_for(pick)
        return [pick.kind, pick.day, pick.at, pick.minutes, pick.cron]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None
                    ) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        label = (attrs or {}).get("aria-label") or "Schedule (cron)"
        subwidgets = context["widget"]["subwidgets"]
        for sub, (_, text) in zip(subwidgets, PARTS, strict=True):
            sub["attrs"]["aria-label"] = text
        subwidgets[_CRON]["attrs"]["aria-label"] = label
        kind = subwidgets[0]["value"]
        kind = kind[0] if isinstance(kind, list) and kind else kind
        context["widget"]["kind"] = kind
        context["widget"]["cron_label"] = PARTS[_CRON][1]
        return context


class ScheduleField(forms.MultiValueField):
    """The picker's choice -> its cron text (the stored `cron`)."""

    widget = ScheduleWidget
    #: The box around its inputs and its preview.
    css_class = "wb-schedule"
    #: The other trigger settings its preview reads.
    siblings = ("timezone",)
    #: A new schedule starts as the first choice shown (weekdays at 09:00).
    fills_empty = True

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        fields = tuple(forms.CharField(required=False) for _ in PARTS)
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> str | None:
        values = (list(data_list) + [""] * len(PARTS))[:len(PARTS)]
        kind, day, at, minutes, cron = values
        if not kind and not (cron or "").strip():
            return None
        pick = SchedulePick(kind=kind or "advanced", day=day, at=at, minutes=minutes,
                            cron=cron or "")
        try:
            expression = cron_for(pick)
        except PickError as exc:
            label = dict(PARTS).get(exc.field, "How often")
            raise forms.ValidationError("%(label)s: %(message)s.", code="invalid",
                                        params={"label": label, "message": exc.message}
                                        ) from exc
        if not expression:
            return None
        problem = cron_problem(expression)
        if problem:
            raise forms.ValidationError("%(label)s: %(problem)s.", code="invalid",
                                        params={"label": PARTS[_CRON][1], "problem": problem})
        return expression

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) == len(PARTS) \
                and value[0] == "advanced" and not str(value[_CRON]).strip():
            value = [""] * len(PARTS)  # nothing written yet
        return super().clean(value)

    def prepare(self, raw: list[Any], changed: int | None) -> list[Any]:
        """Cron text typed is the schedule, whatever choice was shown."""
        if changed == _CRON and isinstance(raw, list) and len(raw) == len(PARTS):
            return ["advanced", *raw[1:]]
        return raw

    def display(self, value: str | None, raw: list[Any], changed: int | None) -> Any:
        """After a valid change: cron text typed selects the choice it matches;
        a choice writes its cron text."""
        if changed == _CRON or not isinstance(raw, list):
            return value
        shown = list(raw)
        if value:
            shown[_CRON] = value
        return shown

    def preview(self, value: str | None, siblings: Mapping[str, Any]) -> SafeString:
        """What the cron text means and its next five runs in the trigger's timezone."""
        zone = siblings.get("timezone") or "UTC"
        zone = zone if isinstance(zone, str) else "UTC"
        zone_problem = timezone_problem(zone)
        runs = [] if not value or zone_problem else next_runs(value, zone)
        return SafeString(render_to_string("workflows_app/widgets/schedule_preview.html", {
            "description": describe_cron(value) if value else "",
            "timezone": zone,
            "timezone_problem": zone_problem,
            "runs": [run_text(moment) for moment in runs],
        }))


@register_builder_widget("schedule")
def schedule_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return ScheduleField(**kwargs)
