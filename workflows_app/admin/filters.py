"""List filters shared by the workflow, run and event lists."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from workflows_app.models import Run
from workflows_app.triggers.lookup import trigger_choices


class TriggerFilter(admin.SimpleListFilter):
    """By trigger type, labelled as the builder labels triggers (`?trigger=...`):
    a workflow's trigger, an event's, or that of the event that started a run."""

    title = _("trigger")
    parameter_name = "trigger"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return trigger_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        field = "event__trigger_type" if queryset.model is Run else "trigger_type"
        return queryset.filter(**{field: self.value()})



