"""In-app notifications for staff, written by the `notify.user` step."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message for one user, shown in their inbox (Workflows > Notifications).

    A step that notifies several people writes one row each; `(run, step_key,
    recipient)` is unique, so a retried step never notifies anyone twice.
    """

    workflows_tenant_path = "run__workflow__tenant_id"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE,
                                  related_name="workflow_notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    run = models.ForeignKey("Run", verbose_name=_("run"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    step_key = models.CharField(_("step"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="wf_notif_unread")]
        constraints = [models.UniqueConstraint(
            fields=["run", "step_key", "recipient"], name="wf_notif_once_per_step",
            condition=models.Q(run__isnull=False))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
