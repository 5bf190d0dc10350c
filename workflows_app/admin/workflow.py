"""The workflow admin: changelist, builder, activation, versions, import/export.

Every change goes through `workflows_app.services`; this module only wires
views to URLs and checks permissions (every custom view is wrapped in
`admin_site.admin_view` and checks the matching `has_*_permission`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from engine import InvalidDefinition
from workflows_app.admin import (
    condition_rows,
    endpoints,
    import_export,
    removal,
    sandbox,
    step_cards,
    versions,
)
from workflows_app.admin.builder import BuilderPage
from workflows_app.admin.filters import ArchivedFilter, TriggerFilter
from workflows_app.admin.hygiene import RefuseNulQueryMixin
from workflows_app.models import Workflow, WorkflowVersion
from workflows_app.services import delete_workflow, set_active
from workflows_app.tenancy.admin import TenantScopedAdminMixin
from workflows_app.triggers.base import trigger_admins
from workflows_app.triggers.lookup import trigger_label


class WorkflowHistoryHelper(HistoricalRecordContextHelper):
    """History rows that read well: "Live version: version 1 -> version 2"."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        if isinstance(value, DeletedObject) and value.pk is None:
            return "—"
        if isinstance(value, WorkflowVersion):
            return f"version {value.number}"
        return super().prepare_delta_change_value(change, value)


@admin.register(Workflow)
class WorkflowAdmin(TenantScopedAdminMixin, RefuseNulQueryMixin, SimpleHistoryAdmin):
    """Workflows: the changelist, and the builder as the add/change page.

    History (django-simple-history) shows who changed which field when; its
    "revert" form is disabled because it would bypass versioning: restore a
    version from the builder instead.
    """

    list_display = ["name", "trigger_display", "is_active", "live_version_number",
                    "updated_at", "updated_by"]
    list_display_links = ["name"]
    list_filter = ["is_active", TriggerFilter, "updated_at", ArchivedFilter]
    search_fields = ["name", "description", "trigger_target"]
    list_select_related = ["live_version", "updated_by"]
    ordering = ["name"]
    actions = ["activate_selected", "deactivate_selected", import_export.download_json]
    change_list_template = "workflows_app/admin/workflow_change_list.html"
    delete_confirmation_template = "workflows_app/admin/workflow_delete_confirmation.html"
    #: Shown read-only by the history pages (the builder does not use a ModelForm).
    fields = ["name", "description", "trigger_type", "trigger_target", "trigger_config",
              "is_active", "live_version", "updated_by"]
    readonly_fields = fields

    # -- changelist --------------------------------------------------------------

    @admin.display(description="trigger", ordering="trigger_type")
    def trigger_display(self, obj: Workflow) -> str:
        return trigger_label(obj.trigger_type, obj.trigger_target)

    @admin.display(description="live version", ordering="live_version__number")
    def live_version_number(self, obj: Workflow) -> int | None:
        return obj.live_version.number if obj.live_version_id else None

    @admin.action(description="Activate the selected workflows", permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate the selected workflows", permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        self._set_active(request, queryset, False)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Workflow],
                    active: bool) -> None:
        done = []
        for workflow in queryset:
            if workflow.is_active == active:
                continue
            try:
                set_active(workflow, active, user=request.user)
            except InvalidDefinition as exc:
                messages.error(request, f"{workflow.name}: {exc}")
                continue
            self.log_change(request, workflow, "Activated" if active else "Deactivated")
            done.append(workflow.name)
        verb = "Activated" if active else "Deactivated"
        if done:
            messages.success(request, f"{verb} {len(done)} workflow(s): {', '.join(done)}.")
        else:
            messages.info(request, f"{verb} no workflows (nothing to change).")

    # -- URLs ----------------------------------------------------------------------

    def url_name(self, suffix: str) -> str:
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{suffix}"

    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            def bound(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                return view(self, request, *args, **kwargs)

            return self.admin_site.admin_view(bound)

        custom = [
            path("builder/scope/", wrap(endpoints.scope_view),
                 name=self.url_name("builder_scope")),
            path("builder/cron/", wrap(endpoints.cron_view), name=self.url_name("builder_cron")),
            path("builder/check/", wrap(endpoints.check_view),
                 name=self.url_name("builder_check")),
            path("builder/widget/", wrap(endpoints.widget_view),
                 name=self.url_name("builder_widget")),
            path("builder/operators/", wrap(condition_rows.operators_view),
                 name=self.url_name("builder_operators")),
            path("builder/condition-row/", wrap(condition_rows.row_view),
                 name=self.url_name("builder_condition_row")),
            path("builder/step-card/", wrap(step_cards.card_view),
                 name=self.url_name("builder_step_card")),
            path("builder/autocomplete/", wrap(endpoints.autocomplete_view),
                 name=self.url_name("builder_autocomplete")),
            path("builder/test/sources/", wrap(sandbox.sources_view),
                 name=self.url_name("builder_test_sources")),
            path("builder/test/run/", wrap(sandbox.run_view),
                 name=self.url_name("builder_test_run")),
            path("builder/test/backtest/", wrap(sandbox.backtest_view),
                 name=self.url_name("builder_backtest")),
            path("import/", wrap(import_export.import_view), name=self.url_name("import")),
            path("<path:object_id>/activate/", wrap(WorkflowAdmin.activate_view),
                 name=self.url_name("activate")),
            path("<path:object_id>/deactivate/", wrap(WorkflowAdmin.deactivate_view),
                 name=self.url_name("deactivate")),
            path("<path:object_id>/archive/", wrap(removal.archive_view),
                 name=self.url_name("archive")),
            path("<path:object_id>/unarchive/", wrap(removal.unarchive_view),
                 name=self.url_name("unarchive")),
            path("<path:object_id>/versions/compare/", wrap(versions.compare_view),
                 name=self.url_name("compare")),
            path("<path:object_id>/versions/<int:number>/restore/", wrap(versions.restore_view),
                 name=self.url_name("restore")),
        ]
        for admin_class in trigger_admins.values():  # e.g. "Run now" of manual workflows
            custom += admin_class().get_urls(self)
        return custom + super().get_urls()

    # -- the builder -------------------------------------------------------------

    @method_decorator(csrf_protect)
    def changeform_view(self, request: HttpRequest, object_id: str | None = None,
                        form_url: str = "", extra_context: dict[str, Any] | None = None
                        ) -> HttpResponse:
        return BuilderPage.dispatch(self, request, object_id)

    def activate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._activation(request, object_id, True)

    def deactivate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._activation(request, object_id, False)

    def _activation(self, request: HttpRequest, object_id: str, active: bool) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        workflow = self.get_object(request, unquote(object_id))
        if workflow is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, workflow):
            raise PermissionDenied
        try:
            set_active(workflow, active, user=request.user)
        except InvalidDefinition as exc:
            messages.error(request, str(exc))
        else:
            self.log_change(request, workflow, "Activated" if active else "Deactivated")
            state = "active" if active else "inactive"
            messages.success(request, f"The workflow “{workflow.name}” is now {state}.")
        return HttpResponseRedirect(reverse(f"admin:{self.url_name('change')}",
                                            args=[workflow.pk],
                                            current_app=self.admin_site.name))

    # -- deleting ------------------------------------------------------------------

    def get_deleted_objects(self, objs: Any, request: HttpRequest
                            ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        return removal.deleted_objects(self, list(objs), request)

    def delete_model(self, request: HttpRequest, obj: Workflow) -> None:
        delete_workflow(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        for workflow in queryset:
            delete_workflow(workflow)

    def render_delete_form(self, request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
        workflow = context.get("object")
        if workflow is not None:
            context["removal"] = removal.removal_summary([workflow])
            context["can_archive"] = (not workflow.is_archived
                                      and self.has_change_permission(request, workflow))
        return super().render_delete_form(request, context)

    # -- history -------------------------------------------------------------------

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any
                                             ) -> HistoricalRecordContextHelper:
        return WorkflowHistoryHelper(self.model, historical_record)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST":  # reverting would bypass versions: restore instead
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = dict(extra_context or {})
        extra_context["can_import"] = (self.has_add_permission(request)
                                       and self.has_change_permission(request))
        return super().changelist_view(request, extra_context)


admin.site.register(WorkflowVersion, versions.WorkflowVersionAdmin)
