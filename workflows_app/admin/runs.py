"""Run history in the admin: the runs list, a read-only run page, and the actions
(retry from the failed step, cancel, run again on the live version).

- Viewing needs `workflows_app.view_run` (or `change_run`, as everywhere in the
  admin); the actions need `workflows_app.change_run`. A user without it sees no
  buttons and no bulk actions, and a forged POST is answered 403. Runs are never
  added or edited by hand and deleted only by `workflows_prune`.
- Every action calls `workflows_app.run_actions`, which records who did it, when.
- The list searches the trigger data (`Event.search_text`, see
  `workflows_app.search`), which the trigram index of migration 0005
  serves on PostgreSQL; it shows no full count (`show_full_result_count`).
- Both pages update themselves over a WebSocket (`workflows_app.live`): the page
  re-fetches its own HTML (the list) or the `live/` fragment (a run) when told.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from workflows_app.admin import run_display
from workflows_app.admin.filters import StepErrorsFilter, TriggerFilter
from workflows_app.admin.hygiene import RefuseNulQueryMixin
from workflows_app.admin.run_display import (
    DateRangeFilter,
    event_summary,
    human_duration,
    run_status_badge,
    status_badge,
)
from workflows_app.admin.run_tree import nested_rounds
from workflows_app.execution.redaction import event_payload_for
from workflows_app.extras import live_updates_enabled
from workflows_app.live import markers
from workflows_app.live.paths import socket_path
from workflows_app.models import (
    Event,
    PruneLog,
    Run,
    RunAction,
    RunStatus,
    StepRun,
    StepStatus,
    Workflow,
    WorkflowEvaluation,
)
from workflows_app.plain import step_title
from workflows_app.run_actions import RunActionError, cancel_run, retry_run, run_again
from workflows_app.search import search_trigger_data
from workflows_app.templatetags.workflows_history import when
from workflows_app.tenancy.admin import TenantScopedAdminMixin
from workflows_app.tenancy.scoping import scope
from workflows_app.triggers.lookup import trigger_label

#: action name in URLs -> (function, past tense for messages)
RUN_ACTIONS: dict[str, tuple[Callable[..., Run], str]] = {
    "retry": (retry_run, "Retrying run #{pk} from its failed step."),
    "cancel": (cancel_run, "Run #{pk} was cancelled."),
    "run-again": (run_again, "Run #{pk} was started again as run #{new}."),
}
ACTION_LABELS = {
    "retry": _("retried from the failed step"),
    "cancel": _("cancelled"),
    "run_again": _("started again"),
    "started_by_hand": _("started by hand"),
}


class HistoryAdminMixin(TenantScopedAdminMixin, RefuseNulQueryMixin):
    """Read-only history: nothing is added, edited or deleted through the admin (and,
    with tenancy on, only the user's tenants' history is shown)."""

    show_facets = admin.ShowFacets.NEVER  # facet counts are COUNT(*)s on big tables
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any],
                           search_term: str) -> tuple[QuerySet[Any], bool]:
        """Every word must be in the trigger data; `#123` names an id."""
        return search_trigger_data(queryset, search_term), False

    def url_name(self, suffix: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_{suffix}"

    def wrap(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return self.admin_site.admin_view(view)  # type: ignore[attr-defined]

    def latest_prune(self) -> PruneLog | None:
        return (PruneLog.objects.filter(finished_at__isnull=False)
                .order_by("-started_at", "-id").first())


class RunAdmin(HistoryAdminMixin, admin.ModelAdmin):
    """The runs list and the run page."""

    list_display = ["run_number", "status_display", "workflow_display", "version_display",
                    "trigger_display", "started_display", "duration_display"]
    list_display_links = ["run_number"]
    list_filter = ["status", StepErrorsFilter, "workflow", TriggerFilter,
                   ("created_at", DateRangeFilter)]
    search_fields = ["event__search_text"]  # shows the box; see get_search_results
    search_help_text = _("Searches the trigger data: an order number, a customer's e-mail, "
                         "a name… Every word must match. “#812” finds run 812.")
    sortable_by = ["run_number", "status_display", "started_display", "workflow_display"]
    actions = ["retry_selected", "cancel_selected", "run_again_selected"]
    change_list_template = "workflows_app/admin/runs/change_list.html"
    detail_template = "workflows_app/admin/runs/run_detail.html"
    live_template = "workflows_app/admin/runs/_run_live.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Run]:
        # One query for the list: the event's data and the version's definition are
        # not needed there.
        return (super().get_queryset(request)
                .top_level()
                .with_step_errors()
                .select_related("workflow", "version", "event")
                .defer("event__payload", "event__search_text", "event__chain",
                       "version__definition", "workflow__trigger_config"))

    # -- list columns --------------------------------------------------------------------

    @admin.display(description=_("run"), ordering="-id")
    def run_number(self, run: Run) -> str:
        return f"#{run.pk}"

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, run: Run) -> str:
        return run_status_badge(run)

    @admin.display(description=_("workflow"), ordering="workflow__name")
    def workflow_display(self, run: Run) -> str:
        return run.workflow.name

    @admin.display(description=_("version"))
    def version_display(self, run: Run) -> str:
        return f"v{run.version.number}"

    @admin.display(description=_("trigger"))
    def trigger_display(self, run: Run) -> str:
        return event_summary(run.event)

    @admin.display(description=_("started"), ordering="started_at")
    def started_display(self, run: Run) -> Any:
        if run.started_at is None:
            return format_html('<span class="wf-muted">{}</span>',
                               _("not started (created {})").format(when(run.created_at)))
        return when(run.started_at)

    @admin.display(description=_("duration"))
    def duration_display(self, run: Run) -> str:
        if run.duration is not None:
            return human_duration(run.duration)
        if run.status in (RunStatus.RUNNING, RunStatus.WAITING):
            return str(run.get_status_display())
        return "—"

    # -- bulk actions -------------------------------------------------------------------

    @admin.action(description=_("Retry the selected failed runs from their failed step"),
                  permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Run]) -> None:
        self._bulk(request, queryset, "retry")

    @admin.action(description=_("Cancel the selected unfinished runs"), permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Run]) -> None:
        self._bulk(request, queryset, "cancel")

    @admin.action(description=_("Run the selected runs again on the live version"),
                  permissions=["change"])
    def run_again_selected(self, request: HttpRequest, queryset: QuerySet[Run]) -> None:
        self._bulk(request, queryset, "run-again")

    def _bulk(self, request: HttpRequest, queryset: QuerySet[Run], name: str) -> None:
        function = RUN_ACTIONS[name][0]
        done: list[str] = []
        for run in queryset.select_related("workflow").order_by("pk"):
            try:
                result = function(run, user=request.user)
            except RunActionError as exc:
                messages.warning(request, f"Run #{run.pk}: {exc}.")
                continue
            done.append(f"#{result.pk}" if name == "run-again" else f"#{run.pk}")
        if done:
            verb = {"retry": "Retrying", "cancel": "Cancelled",
                    "run-again": "Started new runs"}[name]
            messages.success(request, f"{verb}: {', '.join(done)}.")
        else:
            messages.info(request, "No run was changed.")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None
                        ) -> HttpResponse:
        # A bulk action is a change: refuse it outright (Django would only say
        # "no action selected") when the user may not change runs.
        if (request.method == "POST" and "action" in request.POST
                and not self.has_change_permission(request)):
            raise PermissionDenied
        extra_context = dict(extra_context or {})
        extra_context.update(
            title=_("Runs"),
            prune=self.latest_prune(),
            live_url=live_socket_path(),
            live_newest=markers.newest_run_id(scope(Run.objects.all(), request.user)),
            why_url=why_link(self, request),
        )
        return super().changelist_view(request, extra_context)

    # -- URLs -----------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        custom = [
            path("<path:object_id>/live/", self.wrap(self.live_view),
                 name=self.url_name("live")),
            *[path(f"<path:object_id>/{name}/", self.wrap(self._action_view(name)),
                   name=self.url_name(name.replace("-", "_"))) for name in RUN_ACTIONS],
        ]
        return custom + super().get_urls()

    # -- the run page ---------------------------------------------------------------------

    def _run(self, request: HttpRequest, object_id: str) -> Run:
        pk = _int_or_404(unquote(object_id))
        # The live marker is taken before the run is read: a change in between
        # makes the page look outdated to its socket (one refresh too many), never
        # up to date when it is not.
        marker = markers.run_marker(pk)
        run = (scope(Run.objects.all(), request.user)
               .select_related("workflow", "workflow__live_version", "version",
                               "event", "event__actor", "event__caused_by_run",
                               "event__caused_by_run__workflow", "rerun_of")
               .filter(pk=pk).first())
        if run is None:
            raise Http404(_("No such run."))
        run.live_marker = markers.token(marker)
        return run

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The run, read-only, with the action buttons for users who may change runs."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        run = self._run(request, object_id)
        if not self.has_view_or_change_permission(request, run):
            raise PermissionDenied
        if run.parent_id is not None:
            # A parallel step's branch run has no page of its own: its steps are
            # shown, with the branch's, on the page of the run it belongs to.
            return HttpResponseRedirect(reverse(
                f"admin:{self.url_name('change')}", args=[run.parent_id],
                current_app=self.admin_site.name))
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": f"Run #{run.pk} · {run.workflow.name}",
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "original": run,
            "has_view_permission": True,
            "live_url": live_socket_path(run.pk),
            "fragment_url": reverse(f"admin:{self.url_name('live')}", args=[run.pk],
                                    current_app=self.admin_site.name),
            **self.run_context(request, run),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.detail_template, context)

    def live_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The changing part of the run page, re-fetched by the page when told."""
        run = self._run(request, object_id)
        if not self.has_view_or_change_permission(request, run):
            raise PermissionDenied
        context = {"original": run, "opts": self.model._meta,
                   **self.run_context(request, run)}
        response = TemplateResponse(request, self.live_template, context)
        response["Cache-Control"] = "no-store"
        return response

    def run_context(self, request: HttpRequest, run: Run) -> dict[str, Any]:
        event = run.event
        can_change = self.has_change_permission(request, run)
        evaluation = (WorkflowEvaluation.objects.filter(event=event, workflow=run.workflow)
                      .select_related("version").first())
        caused = list(scope(Event.objects.all(), request.user).filter(caused_by_run=run)
                      .prefetch_related(Prefetch("runs", queryset=Run.objects.top_level()
                                                 .select_related("workflow")
                                                 .order_by("pk")))
                      .order_by("pk")[:50])
        chain_names = dict(scope(Workflow.objects.all(), request.user)
                           .filter(pk__in=run.chain).values_list("pk", "name"))
        links = self.links(request, run)
        return {
            "run": run,
            "event": event,
            "event_summary": event_summary(event),
            "trigger_label": trigger_label(event.trigger_type),
            "status_badge": run_status_badge(run),
            "duration": human_duration(run.duration) if run.duration is not None else "",
            "payload_json": run_display.pretty_json(event_payload_for(request.user,
                                                                      event.payload)),
            "evaluation": evaluation,
            "explanation": run_display.explanation_tree(evaluation.explanation
                                                        if evaluation else None),
            "steps": self.timeline(run),
            "actions": _labelled(run.actions.select_related("user").order_by("created_at", "pk")),
            "reruns": list(run.reruns.order_by("pk").only("pk", "status", "created_at")),
            "caused_events": caused,
            "chain": [(pk, chain_names.get(pk, f"workflow {pk}")) for pk in run.chain],
            "can_change": can_change,
            "can_view_events": "event" in links,
            "can_retry": can_change and run.status == RunStatus.FAILED,
            "can_cancel": can_change and not run.is_finished,
            "can_run_again": can_change and run.workflow.live_version_id is not None,
            "live_version": run.workflow.live_version,
            "links": links,
        }

    def timeline(self, run: Run) -> list[dict[str, Any]]:
        """Every step of the version that ran, in order, with its checkpoint if any."""
        rows = {row.key: row for row in StepRun.objects.filter(run=run).order_by("index")}
        definition_steps = (run.version.definition or {}).get("steps") or []
        first_failed = next((row.key for row in rows.values()
                             if row.status == StepStatus.FAILED), None)
        items = []
        seen = set()
        for index, step in enumerate(definition_steps):
            key = str(step.get("key", index))
            seen.add(key)
            item = _step_item(index, key, str(step.get("type", "")), rows.get(key),
                              first_failed, step)
            if isinstance(step, dict):
                item["nested"] = nested_rounds(
                    step, key, rows, lambda i, k, t, r, s: _step_item(i, k, t, r, first_failed, s))
            items.append(item)
        nested_keys = {key for key in rows if "." in key}  # shown under their flow step
        for key, row in rows.items():  # rows without a step in the definition (defensive)
            if key not in seen and key not in nested_keys:
                items.append(_step_item(row.index, key, row.step_type, row, first_failed, {}))
        return items

    def links(self, request: HttpRequest, run: Run) -> dict[str, str]:
        """Admin pages this user may open from the run page."""
        site = self.admin_site
        links: dict[str, str] = {}
        version_admin = site._registry.get(type(run.version))
        if version_admin and version_admin.has_view_or_change_permission(request, run.version):
            links["version"] = reverse("admin:workflows_app_workflowversion_change",
                                       args=[run.version_id], current_app=site.name)
        workflow_admin = site._registry.get(Workflow)
        if workflow_admin and workflow_admin.has_view_or_change_permission(request, run.workflow):
            links["workflow"] = reverse("admin:workflows_app_workflow_change",
                                        args=[run.workflow_id], current_app=site.name)
            try:
                links["compare"] = reverse("admin:workflows_app_workflow_compare",
                                           args=[run.workflow_id], current_app=site.name)
                if run.workflow.live_version_id and run.workflow.live_version_id != run.version_id:
                    links["compare"] += (f"?a={run.version.number}"
                                         f"&b={run.workflow.live_version.number}")
                else:
                    links["compare"] += f"?b={run.version.number}"
            except Exception:  # the builder admin may not offer it
                links.pop("compare", None)
        event_admin = site._registry.get(Event)
        if event_admin and event_admin.has_view_or_change_permission(request, run.event):
            links["event"] = reverse("admin:workflows_app_event_change", args=[run.event_id],
                                     current_app=site.name)
            links["why"] = why_link(self, request, f"event={run.event_id}") or ""
        return links

    # -- actions --------------------------------------------------------------------------

    def _action_view(self, name: str) -> Callable[..., HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            run = self._run(request, object_id)
            if not self.has_change_permission(request, run):
                raise PermissionDenied
            function, message = RUN_ACTIONS[name]
            try:
                result = function(run, user=request.user)
            except RunActionError as exc:
                messages.error(request, f"Run #{run.pk}: {exc}.")
            else:
                messages.success(request, message.format(pk=run.pk, new=result.pk))
                if name == "run-again":
                    run = result
            return HttpResponseRedirect(reverse(f"admin:{self.url_name('change')}",
                                                args=[run.pk], current_app=self.admin_site.name))

        view.__name__ = f"run_{name.replace('-', '_')}_view"
        return view


def _step_item(index: int, key: str, step_type: str, row: StepRun | None,
               first_failed: str | None, step: dict[str, Any]) -> dict[str, Any]:
    status = row.status if row else ""
    return {
        "index": index + 1,
        "key": key,
        "type": step_type,
        # The label the builder promises ("a name for this step in run history"),
        # else "Step 2, Send an e-mail".
        "title": step_title(step or {"type": step_type}, index),
        "row": row,
        "status": status,
        "badge": (status_badge(status, row.get_status_display()) if row
                  else format_html('<span class="wf-badge wf-badge-none">{}</span>',
                                   _("not reached"))),
        "duration": human_duration(row.duration_ms, milliseconds=True)
        if row and row.duration_ms is not None else "",
        "inputs_json": run_display.pretty_json(row.inputs) if row and row.inputs else "",
        "outputs_json": run_display.pretty_json(row.outputs) if row and row.outputs else "",
        "outcome": run_display.step_outcome(step_type, row.outputs)
        if row and status == StepStatus.SUCCEEDED else [],
        "attempts_log": [_attempt(entry) for entry in (row.attempts_log if row else [])
                         if isinstance(entry, dict)],
        "seen": _seen(row),
        "is_first_failure": bool(row) and key == first_failed,
        "on_error": step.get("on_error", "stop"),
        "has_when": "when" in step,
    }


def _seen(row: StepRun | None) -> list[tuple[str, str, Any]]:
    """The record values the step's last attempt used, as (path, when, value):
    `record.*` read when it ran, `trigger.record.*` from when the event happened."""
    for entry in reversed(row.attempts_log if row else []):
        if isinstance(entry, dict) and isinstance(entry.get("seen"), dict):
            return [(path, _("when it happened") if path.startswith("trigger.")
                     else _("when the step ran"), value)
                    for path, value in entry["seen"].items()]
    return []


def _attempt(entry: dict[str, Any]) -> dict[str, Any]:
    """An attempts-log entry with its time parsed and its duration readable."""
    when = None
    if isinstance(entry.get("at"), str):
        with contextlib.suppress(ValueError):
            when = parse_datetime(entry["at"])
    took = entry.get("duration_ms")
    return {**entry, "when": when,
            "took": human_duration(took, milliseconds=True) if isinstance(took, int) else ""}


def _labelled(actions: QuerySet[RunAction]) -> list[RunAction]:
    items = list(actions)
    for action in items:
        action.label = str(ACTION_LABELS.get(action.action, action.action))
    return items


def _int_or_404(value: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404(_("No such run.")) from None
    if not 0 < number < 2**63:
        raise Http404(_("No such run."))
    return number


def why_link(model_admin: admin.ModelAdmin, request: HttpRequest, query: str = "") -> str | None:
    """The "Why didn't it run?" page, if this user may open it."""
    event_admin = model_admin.admin_site._registry.get(Event)
    if event_admin is None or not event_admin.has_view_or_change_permission(request):
        return None
    url = reverse("admin:workflows_app_event_why", current_app=model_admin.admin_site.name)
    return f"{url}?{query}" if query else url


def live_socket_path(run_id: int | None = None) -> str:
    """The WebSocket path of the runs list, or of one run (see `live.routing`); empty
    when live updates are off (`WORKFLOWS["LIVE_UPDATES"]`), so the page opens none."""
    if not live_updates_enabled():
        return ""
    return socket_path(run_id)


admin.site.register(Run, RunAdmin)
