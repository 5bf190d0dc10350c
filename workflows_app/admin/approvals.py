"""Approvals in the admin: the ones waiting for you, and a page to approve or reject
one with a comment (the link a notification points to)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from workflows_app.approvals import MAX_COMMENT_LENGTH, ApprovalError, decide
from workflows_app.models import Approval, ApprovalStatus
from workflows_app.tenancy.scoping import scope


class DecisionForm(forms.Form):
    """A comment; the button pressed says the decision."""

    comment = forms.CharField(label=_("Comment"), required=False, max_length=MAX_COMMENT_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3,
                                                           "class": "vLargeTextField"}))


class ApprovalAdmin(admin.ModelAdmin):
    """Approvals: read-only records, decided on their page by the people asked."""

    list_display = ["title", "status", "run_link", "created_at", "decided_by", "decided_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    change_form_template = "workflows_app/admin/approval_decide.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Approval]:
        # With tenancy on, only approvals of the user's tenants.
        query = scope(super().get_queryset(request), request.user).select_related(
            "run", "decided_by")
        if request.user.is_superuser or request.user.has_perm("workflows_app.change_run"):
            return query
        names = set(request.user.groups.values_list("name", flat=True))
        mine = [pk for pk, groups in Approval.objects.values_list("pk", "groups")
                if names.intersection(groups or [])] if names else []
        return query.filter(Q(users=request.user) | Q(pk__in=mine)).distinct()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("run"))
    def run_link(self, approval: Approval) -> str:
        url = reverse("admin:workflows_app_run_change", args=[approval.run_id])
        return format_html('<a href="{}">#{}</a>', url, approval.run_id)

    def get_urls(self) -> list[URLPattern]:
        return [path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view),
                     name="workflows_app_approval_decide"), *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return self.decide_view(request, object_id)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        approval = self.get_object(request, object_id)
        if approval is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            decision = (ApprovalStatus.APPROVED if "approve" in request.POST
                        else ApprovalStatus.REJECTED if "reject" in request.POST else "")
            try:
                decide(approval, request.user, decision, form.cleaned_data["comment"])
            except ApprovalError as exc:
                messages.error(request, f"{approval}: {exc}.")
            else:
                messages.success(request, _("Recorded: %(decision)s. The workflow goes on.")
                                 % {"decision": decision})
                return HttpResponseRedirect(reverse("admin:workflows_app_approval_decide",
                                                    args=[approval.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "title": str(approval), "approval": approval, "form": form,
                   "may_decide": approval.is_pending and approval.may_decide(request.user),
                   "run_url": reverse("admin:workflows_app_run_change", args=[approval.run_id])}
        return TemplateResponse(request, self.change_form_template, context)


admin.site.register(Approval, ApprovalAdmin)
