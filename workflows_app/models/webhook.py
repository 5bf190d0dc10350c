"""The log of inbound webhook requests: every request, accepted or refused."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookDelivery(models.Model):
    """One request to `hooks/<token>/` and what became of it.

    Written for every request, accepted (202, with the `event` it recorded) or
    refused (4xx, with the `reason`), so "why didn't my webhook run?" has an
    answer. Neither the token nor the body is stored; secret-looking headers
    (Authorization, signatures, cookies...) are kept by name only.
    """

    workflows_tenant_path = "workflow__tenant_id"

    workflow = models.ForeignKey("Workflow", verbose_name=_("workflow"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="webhook_deliveries",
                                 help_text=_("Empty when the address matched no active "
                                             "webhook workflow."))
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    method = models.CharField(_("method"), max_length=16, blank=True)
    status_code = models.PositiveSmallIntegerField(_("response status"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    content_length = models.PositiveIntegerField(_("content length"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    webhook_id = models.CharField(_("webhook id"), max_length=200, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True,
                               help_text=_("Request headers, secret values redacted."))
    event = models.ForeignKey("Event", verbose_name=_("event"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="webhook_deliveries")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["workflow", "-received_at"], name="webhook_delivery_wf_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method or 'request'} → {self.status_code} ({self.reason or 'accepted'})"

    @property
    def accepted(self) -> bool:
        return 200 <= self.status_code < 300
