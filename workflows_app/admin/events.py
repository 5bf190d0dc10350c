"""Events in the admin, read-only: what happened, what each workflow made of it.

The list filters and searches like the runs list; an event's page shows its data,
every workflow evaluation (outcome, reason in plain words, the condition
explanation) and the runs it started. "Why didn't it run?" (`why.py`) hangs off
this admin's URLs (`event/why/`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from workflows_app.admin import run_display, why
from workflows_app.admin.filters import TriggerFilter
from workflows_app.admin.run_display import DateRangeFilter, event_summary, status_badge
from workflows_app.admin.runs import HistoryAdminMixin, why_link
from workflows_app.execution.redaction import event_payload_for
from workflows_app.models import Event, Run, Workflow, WorkflowEvaluation
from workflows_app.templatetags.workflows_history import when
from workflows_app.tenancy.scoping import scope
from workflows_app.triggers.lookup import trigger_label


class EventAdmin(HistoryAdminMixin, admin.ModelAdmin):
    """Events, read-only."""

    list_display = ["event_display", "status_display", "trigger_display", "record_display",
                    "occurred_display"]
    list_display_links = ["event_display"]
    list_filter = ["status", TriggerFilter, ("occurred_at", DateRangeFilter)]
    search_fields = ["search_text"]  # shows the box; see get_search_results
    search_help_text = _("Searches the event data: an order number, a customer's e-mail, "
                         "a name… Every word must match. “#55” finds event 55.")
    sortable_by = ["event_display", "status_display", "occurred_display"]
    change_list_template = "workflows_app/admin/runs/event_change_list.html"
    detail_template = "workflows_app/admin/runs/event_detail.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).defer("payload", "search_text", "chain")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # events are facts; nothing about them is edited

    @admin.display(description=_("event"), ordering="-id")
    def event_display(self, event: Event) -> str:
        return event_summary(event)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, event: Event) -> str:
        return status_badge(event.status, event.get_status_display())

    @admin.display(description=_("trigger"))
    def trigger_display(self, event: Event) -> str:
        label = trigger_label(event.trigger_type)
        return f"{label} · {event.target}" if event.target else label

    @admin.display(description=_("occurred"), ordering="occurred_at")
    def occurred_display(self, event: Event) -> str:
        return when(event.occurred_at)

    @admin.display(description=_("record"))
    def record_display(self, event: Event) -> str:
        if not event.record_model:
            return "—"
        return f"{event.record_model} #{event.record_pk}"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None
                        ) -> HttpResponse:
        extra_context = {"title": _("Events"), **(extra_context or {}),
                         "why_url": why_link(self, request),
                         "prune": self.latest_prune()}
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        return [
            path("why/", self.wrap(self.why_view), name=self.url_name("why")),
            *super().get_urls(),
        ]

    def why_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return why.why_view(self, request)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        try:
            pk = int(unquote(object_id))
        except ValueError:
            raise Http404(_("No such event.")) from None
        event = (scope(Event.objects.all(), request.user).select_related("actor", "caused_by_run",
                                              "caused_by_run__workflow", "workflow")
                 .filter(pk=pk).first() if 0 < pk < 2**63 else None)
        if event is None:
            raise Http404(_("No such event."))
        if not self.has_view_or_change_permission(request, event):
            raise PermissionDenied
        opts = self.model._meta
        run_admin = self.admin_site._registry.get(Run)
        can_view_runs = bool(run_admin and run_admin.has_view_or_change_permission(request))
        context = {
            **self.admin_site.each_context(request),
            "title": event_summary(event),
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "original": event,
            "has_view_permission": True,
            "event": event,
            "status_badge": status_badge(event.status, event.get_status_display()),
            "trigger_label": trigger_label(event.trigger_type),
            "payload_json": run_display.pretty_json(event_payload_for(request.user,
                                                                      event.payload)),
            "evaluations": why.evaluation_items(event),
            "not_considered": why.not_considered(event),
            "runs": list(event.runs.top_level().select_related("workflow", "version")
                         .order_by("pk")),
            "can_view_runs": can_view_runs,
            "chain": why.chain_names(event.chain, request.user),
            "why_url": why_link(self, request, _record_query(event)),
            "caused_by_url": (reverse("admin:workflows_app_run_change",
                                      args=[event.caused_by_run_id],
                                      current_app=self.admin_site.name)
                              if event.caused_by_run_id and can_view_runs else ""),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.detail_template, {**context,
                                                                **(extra_context or {})})


def _record_query(event: Event) -> str:
    from urllib.parse import urlencode

    if event.record_model and event.record_pk:
        return urlencode({"model": event.record_model, "pk": event.record_pk})
    return urlencode({"event": event.pk})


def evaluation_badge(evaluation: WorkflowEvaluation) -> str:
    return status_badge(evaluation.outcome, evaluation.get_outcome_display())


def workflow_link(request: HttpRequest, site: admin.AdminSite, workflow: Workflow) -> str:
    workflow_admin = site._registry.get(Workflow)
    if workflow_admin and workflow_admin.has_view_or_change_permission(request, workflow):
        url = reverse("admin:workflows_app_workflow_change", args=[workflow.pk],
                      current_app=site.name)
        return format_html('<a href="{}">{}</a>', url, workflow.name)
    return workflow.name


admin.site.register(Event, EventAdmin)
