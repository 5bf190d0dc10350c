"""The notification inbox and "My tasks" in the admin.

Every active staff user has an inbox and a task list of their own, whatever their
model permissions: they see only their notifications, and the tasks assigned to
them or to one of their groups. People with the "view task" permission may switch
the list to everyone's tasks; completing a task needs to be its assignee (or in
its group) or to have the "change task" permission.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflows_app.models import Notification, Task, TaskStatus
from workflows_app.tenancy.admin import TenantScopedAdminMixin
from workflows_app.work.events import complete_task
from workflows_app.work.inbox import unread_count


def _record_label(model_label: str, record_id: str) -> str:
    """How the record names itself ("Order A-1001"), or "" when it is gone."""
    try:
        model = apps.get_model(model_label)
        record = model._default_manager.filter(pk=record_id).first()
    except (LookupError, ValueError, ValidationError):
        return ""
    return str(record) if record is not None else ""


def _is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


class ReadFilter(admin.SimpleListFilter):
    """Unread or read notifications."""

    title = _("read")
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", _("Unread")), ("yes", _("Read"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]
                 ) -> QuerySet[Notification]:
        if self.value() == "no":
            return queryset.filter(read_at=None)
        if self.value() == "yes":
            return queryset.exclude(read_at=None)
        return queryset


@admin.register(Notification)
class NotificationAdmin(TenantScopedAdminMixin, admin.ModelAdmin):
    """The signed-in user's inbox: newest first, unread in bold, mark read/unread."""

    list_display = ["title_display", "body", "link_display", "created_at", "read_display"]
    list_display_links = ["title_display"]
    list_filter = [ReadFilter]
    readonly_fields = ["title", "body", "link_display", "created_at", "read_at"]
    fields = readonly_fields
    actions = ["mark_read", "mark_unread"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        return super().get_queryset(request).filter(recipient=request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_staff(request) and (obj is None or obj.recipient_id == request.user.pk)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_view_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # The actions change only the user's own rows: the inbox's own permission.
        actions = super().get_actions(request)
        for name in ("mark_read", "mark_unread"):
            if name not in actions and _is_staff(request):
                actions[name] = self.get_action(name)
        return actions

    def get_urls(self) -> list[URLPattern]:
        unread = path("unread/", self.admin_site.admin_view(self.unread_view),
                      name="workflows_app_notification_unread")
        return [unread, *super().get_urls()]

    def unread_view(self, request: HttpRequest) -> JsonResponse:
        """`{"unread": n, "url": inbox}`: the signed-in user's own unread count, which
        the header indicator reads again when its live socket reports a change."""
        response = JsonResponse({"unread": unread_count(request.user),
                                 "url": reverse("admin:workflows_app_notification_changelist",
                                                current_app=self.admin_site.name)})
        response["Cache-Control"] = "no-store"
        return response

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None
                        ) -> HttpResponse:
        unread = unread_count(request.user)
        title = ngettext("Notifications: %(count)d unread", "Notifications: %(count)d unread",
                         unread) % {"count": unread}
        return super().changelist_view(request, {**(extra_context or {}), "title": title,
                                                 "unread_count": unread})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        Notification.objects.filter(pk=object_id, recipient=request.user,
                                    read_at=None).update(read_at=timezone.now())
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Mark selected notifications as read"))
    def mark_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = queryset.filter(read_at=None).update(read_at=timezone.now())
        self.message_user(request, ngettext("%d notification marked as read.",
                                            "%d notifications marked as read.", count) % count)

    @admin.action(description=_("Mark selected notifications as unread"))
    def mark_unread(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        queryset.update(read_at=None)

    @admin.display(description=_("title"), ordering="title")
    def title_display(self, obj: Notification) -> str:
        if obj.is_read:
            return obj.title
        return format_html("<strong>{}</strong>", obj.title)

    @admin.display(description=_("link"))
    def link_display(self, obj: Notification) -> str:
        if not obj.link:
            return "-"
        if not obj.link.startswith(("/", "https://", "http://")):
            return obj.link
        return format_html('<a href="{}">{}</a>', obj.link, _("Open"))

    @admin.display(description=_("read"), boolean=True)
    def read_display(self, obj: Notification) -> bool:
        return obj.is_read


class AssignedFilter(admin.SimpleListFilter):
    """"Mine" (the default) or everyone's (for people who may view all tasks)."""

    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        if request.user.has_perm("workflows_app.view_task"):
            return [("all", _("Everyone"))]
        return []

    def choices(self, changelist: Any) -> Any:
        yield {"selected": self.value() is None,
               "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": _("Me and my groups")}
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                   "display": title}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Task]) -> QuerySet[Task]:
        if self.value() == "all" and request.user.has_perm("workflows_app.view_task"):
            return queryset
        return queryset & Task.for_user(request.user)


@admin.register(Task)
class TaskAdmin(TenantScopedAdminMixin, admin.ModelAdmin):
    """"My tasks": open ones first, by due date; select and "Mark done"."""

    list_display = ["title", "assignee_display", "due_display", "record_display",
                    "status", "completed_by"]
    list_filter = [AssignedFilter, "status"]
    search_fields = ["title", "description"]
    readonly_fields = ["title", "description", "assignee_display", "due_at", "record_display",
                       "status", "completed_at", "completed_by", "run_display"]
    fields = readonly_fields
    actions = ["mark_done"]
    change_form_template = "workflows_app/admin/work/task_change_form.html"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None
                        ) -> HttpResponse:
        everyone = (request.GET.get(AssignedFilter.parameter_name) == "all"
                    and request.user.has_perm("workflows_app.view_task"))
        title = _("Everyone\u2019s tasks") if everyone else _("My tasks")
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Task]:
        queryset = super().get_queryset(request).select_related(
            "assignee_user", "assignee_group", "completed_by")
        if request.user.has_perm("workflows_app.view_task"):
            return queryset
        return queryset & Task.for_user(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not _is_staff(request):
            return False
        return obj is None or request.user.has_perm("workflows_app.view_task") or (
            Task.for_user(request.user).filter(pk=obj.pk).exists())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tasks are completed, not edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("workflows_app.delete_task")

    def may_complete(self, request: HttpRequest, task: Task) -> bool:
        return request.user.has_perm("workflows_app.change_task") or (
            Task.for_user(request.user).filter(pk=task.pk).exists())

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if "mark_done" not in actions and _is_staff(request):
            actions["mark_done"] = self.get_action("mark_done")
        return actions

    @admin.action(description=_("Mark selected tasks done"))
    def mark_done(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        done = refused = 0
        for task in queryset.filter(status=TaskStatus.OPEN):
            if not self.may_complete(request, task):
                refused += 1
            elif complete_task(task, request.user):
                done += 1
        self.message_user(request, ngettext("%d task marked done.", "%d tasks marked done.",
                                            done) % done)
        if refused:
            self.message_user(request, ngettext(
                "%d task is not yours to complete.", "%d tasks are not yours to complete.",
                refused) % refused, messages.WARNING)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        task = self.get_object(request, object_id)
        if request.method == "POST" and "_complete" in request.POST and task is not None:
            if not self.has_view_permission(request, task) or not self.may_complete(
                    request, task):
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied
            if complete_task(task, request.user):
                self.message_user(request, _("\u201c%s\u201d is done.") % task.title)
            return HttpResponseRedirect(reverse("admin:workflows_app_task_changelist"))
        can_complete = (task is not None and task.status == TaskStatus.OPEN
                        and self.may_complete(request, task))
        return super().change_view(request, object_id, form_url,
                                   {**(extra_context or {}), "can_complete": can_complete})

    @admin.display(description=_("assignee"))
    def assignee_display(self, obj: Task) -> str:
        return obj.assignee_display

    @admin.display(description=_("due"), ordering="due_at")
    def due_display(self, obj: Task) -> str:
        if obj.due_at is None:
            return "-"
        overdue = obj.status == TaskStatus.OPEN and obj.due_at < timezone.now()
        shown = timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M")
        return format_html('<strong class="errornote">{}</strong>', shown) if overdue else shown

    @admin.display(description=_("record"))
    def record_display(self, obj: Task) -> str:
        if not obj.record_model:
            return "-"
        app_label, _dot, model_name = obj.record_model.partition(".")
        label = _record_label(obj.record_model, obj.record_id) or f"{model_name} #{obj.record_id}"
        try:
            url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.record_id])
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("run"))
    def run_display(self, obj: Task) -> str:
        if not obj.run_id:
            return "-"
        url = reverse("admin:workflows_app_run_change", args=[obj.run_id])
        return format_html('<a href="{}">#{}</a>', url, obj.run_id)
