"""What the admin shows for webhook workflows: the secret address and the buttons
that replace it or generate a signing secret (to people who may change the
workflow: the address is a secret)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse

from workflows_app.models import Event, Workflow
from workflows_app.services import rotate_webhook_token, set_webhook_secret
from workflows_app.triggers.base import (
    AdminAction,
    AdminDetail,
    TriggerAdmin,
    register_trigger_admin,
)
from workflows_app.triggers.webhook.samples import sample_from
from workflows_app.triggers.webhook.trigger import PAYLOAD, Webhook

#: How many received requests the builder offers as samples.
RECEIVED_SAMPLES = 10


def _url_name(model_admin: ModelAdmin, suffix: str) -> str:
    opts = model_admin.model._meta
    return f"{opts.app_label}_{opts.model_name}_{suffix}"


def _changeable_workflow(model_admin: ModelAdmin, request: HttpRequest,
                         object_id: str) -> Workflow:
    if request.method != "POST":
        raise PermissionDenied("use the buttons on the workflow page")
    workflow = model_admin.get_object(request, unquote(object_id))
    if workflow is None:
        raise Http404
    if not model_admin.has_change_permission(request, workflow):
        raise PermissionDenied
    return workflow


def _change_url(model_admin: ModelAdmin, workflow: Workflow) -> str:
    return reverse(f"{model_admin.admin_site.name}:{_url_name(model_admin, 'change')}",
                   args=[workflow.pk])


def rotate_address_view(model_admin: ModelAdmin, request: HttpRequest,
                        object_id: str) -> HttpResponse:
    """Give a webhook workflow a new secret address (the old one stops working)."""
    workflow = _changeable_workflow(model_admin, request, object_id)
    rotate_webhook_token(workflow, request.user)
    messages.success(request, "The webhook address was replaced; the old address no "
                              "longer accepts requests.")
    return HttpResponseRedirect(_change_url(model_admin, workflow))


def signing_secret_view(model_admin: ModelAdmin, request: HttpRequest,
                        object_id: str) -> HttpResponse:
    """Generate a Standard Webhooks signing secret and show it once."""
    workflow = _changeable_workflow(model_admin, request, object_id)
    secret = set_webhook_secret(workflow, request.user)
    messages.warning(request, f"New signing secret (shown once, copy it now): {secret}")
    return HttpResponseRedirect(_change_url(model_admin, workflow))


def _received(events: Any, *, with_workflow: bool) -> list[dict[str, Any]]:
    """Samples made from the bodies of `events` (secret-looking keys blanked)."""
    received = []
    for event in events:
        sample = sample_from(event.payload.get(PAYLOAD) if isinstance(event.payload, dict)
                             else None)
        if sample is None:
            continue
        item = {"id": event.pk, "occurred_at": event.occurred_at.isoformat(),
                "summary": event.summary, "sample": sample}
        if with_workflow:
            item["workflow"] = event.workflow.name
        received.append(item)
    return received


def received_view(model_admin: ModelAdmin, request: HttpRequest,
                  object_id: str) -> HttpResponse:
    """The bodies of the last requests the workflow accepted, as samples for the
    builder (`{"received": [{"id", "occurred_at", "summary", "sample"}]}`), with
    the values of secret-looking keys blanked. For people who may change it."""
    workflow = model_admin.get_object(request, unquote(object_id))
    if workflow is None:
        raise Http404
    if not model_admin.has_change_permission(request, workflow):
        raise PermissionDenied
    events = (Event.objects.filter(workflow_id=workflow.pk, trigger_type=Webhook.key)
              .order_by("-occurred_at", "-id").only("pk", "occurred_at", "summary", "payload")
              [:RECEIVED_SAMPLES])
    return JsonResponse({"received": _received(events, with_workflow=False)})


def received_anywhere_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """For a draft that is not yet a saved webhook workflow (the add page, or a
    trigger switched to webhook): the last requests received by any webhook workflow
    the person may change, each with the name of the workflow that received it
    (`{"received": [{..., "workflow"}]}`), secret-looking keys blanked."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    workflows = model_admin.get_queryset(request)  # with tenancy on: the person's tenants
    events = (Event.objects.filter(trigger_type=Webhook.key, workflow__in=workflows)
              .select_related("workflow").order_by("-occurred_at", "-id")
              .only("pk", "occurred_at", "summary", "payload", "workflow")
              [:RECEIVED_SAMPLES * 5])
    allowed: dict[int, bool] = {}
    kept = []
    for event in events:
        if event.workflow_id not in allowed:  # object-level rights, once per workflow
            allowed[event.workflow_id] = model_admin.has_change_permission(
                request, event.workflow)
        if allowed[event.workflow_id]:
            kept.append(event)
    return JsonResponse({"received": _received(kept, with_workflow=True)[:RECEIVED_SAMPLES]})


@register_trigger_admin(Webhook)
class WebhookAdmin(TriggerAdmin):
    """The webhook address, "Replace address" and "Generate signing secret"."""

    def get_urls(self, model_admin: ModelAdmin) -> list[URLPattern]:
        def bound(view: Any) -> Any:
            def call(request: HttpRequest, object_id: str) -> HttpResponse:
                return view(model_admin, request, object_id)

            return model_admin.admin_site.admin_view(call)

        def unbound(view: Any) -> Any:
            def call(request: HttpRequest) -> HttpResponse:
                return view(model_admin, request)

            return model_admin.admin_site.admin_view(call)

        return [
            path("webhook/received/", unbound(received_anywhere_view),
                 name=_url_name(model_admin, "webhook_received_any")),
            path("<path:object_id>/webhook/rotate/", bound(rotate_address_view),
                 name=_url_name(model_admin, "webhook_rotate")),
            path("<path:object_id>/webhook/secret/", bound(signing_secret_view),
                 name=_url_name(model_admin, "webhook_secret")),
            path("<path:object_id>/webhook/received/", bound(received_view),
                 name=_url_name(model_admin, "webhook_received")),
        ]

    def builder_urls(self, workflow: Workflow, model_admin: ModelAdmin) -> dict[str, str]:
        site = model_admin.admin_site.name
        return {"webhook_received": reverse(
            f"{site}:{_url_name(model_admin, 'webhook_received')}", args=[workflow.pk])}

    def draft_urls(self, model_admin: ModelAdmin) -> dict[str, str]:
        site = model_admin.admin_site.name
        return {"webhook_received_any": reverse(
            f"{site}:{_url_name(model_admin, 'webhook_received_any')}")}

    def details(self, workflow: Workflow, request: HttpRequest,
                model_admin: ModelAdmin) -> list[AdminDetail]:
        try:
            address = request.build_absolute_uri(
                reverse("workflows_app:webhook", args=[workflow.webhook_token]))
        except NoReverseMatch:  # the app's URLs are not mounted
            return []
        site = model_admin.admin_site.name

        def url(suffix: str) -> str:
            return reverse(f"{site}:{_url_name(model_admin, suffix)}", args=[workflow.pk])

        secret_label = ("Replace signing secret" if workflow.webhook_secret
                        else "Generate signing secret")
        return [AdminDetail("Webhook address", address, html_id="wb-webhook-url", actions=(
            AdminAction("Replace address", url("webhook_rotate"), post=True,
                        html_id="wb-webhook-rotate"),
            AdminAction(secret_label, url("webhook_secret"), post=True,
                        html_id="wb-webhook-secret"),
        ))]
