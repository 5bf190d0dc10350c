"""Widget `cron`: cron text, checked as it is typed and read back in words
("At 09:00, Monday through Friday") beside the box."""

from __future__ import annotations

from typing import Any

from django import forms

from engine.types import ValueType
from workflows_app.forms.builder_widgets import register_builder_widget
from workflows_app.triggers.schedule.trigger import cron_problem, describe_cron

__all__ = ["CronField"]


class CronField(forms.CharField):
    """A five-field cron expression ("0 9 * * 1-5")."""

    #: How the builder shows what a valid expression means.
    note_class = "wb-cron-description"
    #: Checked as it is typed, not only when the box is left.
    check_trigger = "input changed delay:300ms, change"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("widget", forms.TextInput(attrs={
            "class": "vTextField wb-cron", "placeholder": "0 9 * * 1-5",
            "spellcheck": "false"}))
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        problem = cron_problem(value)
        if problem:
            raise forms.ValidationError("%(problem)s.", code="invalid",
                                        params={"problem": problem[0].upper() + problem[1:]})

    def describe(self, value: str) -> str:
        """What a valid expression means, in words."""
        return describe_cron(value)


@register_builder_widget("cron")
def cron_field(value_type: ValueType, **kwargs: Any) -> forms.Field:
    return CronField(**kwargs)
