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


class ArchivedFilter(admin.SimpleListFilter):
    """The workflows list hides archived workflows unless asked (`?archived=yes`,
    `?archived=all`)."""

    title = _("archive")
    parameter_name = "archived"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Archived")), ("all", _("All, archived too"))]

    def choices(self, changelist: Any) -> Any:
        yield {"selected": self.value() is None,
               "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": _("Not archived")}
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == str(lookup),
                   "query_string": changelist.get_query_string(
                       {self.parameter_name: lookup}),
                   "display": title}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(archived_at__isnull=True)


class StepErrorsFilter(admin.SimpleListFilter):
    """Succeeded runs with or without a failed `on_error: continue` step
    (`?errors=with` / `?errors=without`)."""

    title = _("failed steps")
    parameter_name = "errors"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("with", _("Succeeded with errors")),
                ("without", _("Succeeded without errors"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "with":
            return queryset.succeeded_with_errors()
        if self.value() == "without":
            return queryset.succeeded_cleanly()
        return queryset
