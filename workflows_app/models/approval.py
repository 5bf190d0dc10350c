"""Approvals: a run waiting in an `approval` step for a person's decision."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows_app.tenancy.fields import TenantKeyField


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a decision")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    TIMED_OUT = "timed_out", _("timed out")


class Approval(models.Model):
    """One decision asked of people by one `approval` step of one run (per loop
    item): who may decide, what about, and, once decided, the decision, who made
    it, when, and their comment."""

    run = models.ForeignKey("Run", verbose_name=_("run"), on_delete=models.CASCADE,
                            related_name="approvals")
    step_key = models.CharField(_("step"), max_length=255)
    title = models.CharField(_("what to decide"), max_length=500)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("users"),
                                   blank=True, related_name="+")
    groups = models.JSONField(_("groups"), default=list, blank=True,
                              help_text=_("Names of the groups whose members may decide."))
    status = models.CharField(_("status"), max_length=16, choices=ApprovalStatus.choices,
                              default=ApprovalStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    due_at = models.DateTimeField(_("times out"), null=True, blank=True)
    #: The tenant of the run's workflow (set when the approval is asked).
    tenant_id = TenantKeyField()
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["run", "step_key"], name="approval_once_per_step"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="approval_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    def may_decide(self, user) -> bool:  # type: ignore[no-untyped-def]
        """Whether `user` is one of the assignees (a listed user, or a member of a
        listed group)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if self.users.filter(pk=user.pk).exists():
            return True
        return bool(self.groups) and user.groups.filter(name__in=self.groups).exists()
