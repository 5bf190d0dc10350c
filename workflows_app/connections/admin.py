"""Connections in the admin: add one of a kind, change its settings, replace secrets.

Secrets are write-only: the page says whether each is set and when it last
changed, and offers a field to replace it; no page, not even the change form,
ever carries a secret value. People who may only view connections see the public
settings and the same "set, last changed" lines.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from workflows_app.connections.admin_forms import (
    connection_form,
    field_names,
    secret_status,
)
from workflows_app.connections.kinds import ConnectionKind, connection_kinds
from workflows_app.models import Connection
from workflows_app.tenancy.admin import TenantScopedAdminMixin


@admin.register(Connection)
class ConnectionAdmin(TenantScopedAdminMixin, admin.ModelAdmin):
    """Add (after choosing a kind), change and list connections."""

    list_display = ["name", "kind_display", "secrets_display", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    add_kind_template = "workflows_app/admin/connections/choose_kind.html"

    # -- which kind ------------------------------------------------------------

    def _kind(self, request: HttpRequest, obj: Connection | None) -> type[ConnectionKind] | None:
        if obj is not None:
            return connection_kinds.find(obj.kind)
        return connection_kinds.find(request.GET.get("kind", ""))

    def add_view(self, request: HttpRequest, form_url: str = "",
                 extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if self._kind(request, None) is None:
            if not self.has_add_permission(request):
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied
            kinds = sorted(connection_kinds.values(), key=lambda kind: str(kind.label))
            context = {**self.admin_site.each_context(request), "opts": self.opts,
                       "title": _("Add connection: choose its kind"), "kinds": kinds,
                       "has_view_permission": self.has_view_permission(request)}
            return TemplateResponse(request, self.add_kind_template, context)
        kind = self._kind(request, None)
        title = _("Add connection: %(kind)s") % {"kind": kind.label}
        return super().add_view(request, form_url, {**(extra_context or {}), "title": title})

    # -- form ------------------------------------------------------------------

    def get_fields(self, request: HttpRequest, obj: Connection | None = None) -> list[str]:
        kind = self._kind(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return ["name", "kind_display", "description", "settings_display",
                    "secrets_display"]
        names = ["name", "kind_display", "description"]
        return names + (field_names(kind) if kind is not None else [])

    def get_readonly_fields(self, request: HttpRequest, obj: Connection | None = None
                            ) -> list[str]:
        if obj is not None and not self.has_change_permission(request, obj):
            return self.get_fields(request, obj)
        return ["kind_display"]

    def get_form(self, request: HttpRequest, obj: Connection | None = None,
                 change: bool = False, **kwargs: Any) -> Any:
        kind = self._kind(request, obj)
        if kind is not None:
            kwargs["form"] = connection_form(kind)
        return super().get_form(request, obj, change, **kwargs)

    # -- display ---------------------------------------------------------------

    @admin.display(description=_("kind"), ordering="kind")
    def kind_display(self, obj: Connection | None) -> str:
        if obj is None or not obj.kind:
            return ""
        return obj.kind_label

    @admin.display(description=_("settings"))
    def settings_display(self, obj: Connection) -> str:
        kind = obj.kind_class
        if kind is None:
            return "-"
        rows = [(setting.display_label, obj.settings.get(setting.name, setting.default) or "-")
                for setting in kind.public_settings()]
        return format_html_join("", "<div>{}: {}</div>", rows) or "-"

    @admin.display(description=_("secrets"))
    def secrets_display(self, obj: Connection) -> str:
        kind = obj.kind_class
        if kind is None or not kind.secret_settings():
            return "-"
        rows = [(setting.display_label, secret_status(obj, setting))
                for setting in kind.secret_settings()]
        return format_html_join("", "<div>{}: {}</div>", rows)
