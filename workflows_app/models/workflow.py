"""Workflow definitions and their immutable versions."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from workflows_app.tenancy.fields import TenantKeyField


def canonical_json(data: Any) -> str:
    """The one text form of a definition, used for checksums and diffs."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def definition_checksum(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class Workflow(models.Model):
    """A named workflow: its live definition is `live_version.definition`.

    `trigger_type` and `trigger_target` copy the live version's trigger so that
    dispatch finds the workflows for an event with one indexed query. Change a
    workflow through `workflows_app.services.save_definition`, never directly.
    """

    name = models.CharField(_("name"), max_length=200,
                            help_text=_("Unique among the workflows of a tenant."))
    description = models.TextField(_("description"), blank=True)
    trigger_type = models.CharField(_("trigger"), max_length=64, db_index=True)
    trigger_target = models.CharField(
        _("trigger target"), max_length=200, blank=True,
        help_text=_("The model or event name the trigger listens to, if any."))
    trigger_config = models.JSONField(_("trigger settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    archived_at = models.DateTimeField(
        _("archived"), null=True, blank=True,
        help_text=_("An archived workflow is inactive and hidden from the workflows list; "
                    "its versions and runs are kept."))
    live_version = models.ForeignKey(
        "WorkflowVersion", verbose_name=_("live version"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    webhook_token = models.CharField(
        _("webhook token"), max_length=64, unique=True, default=new_webhook_token,
        help_text=_("The secret part of this workflow's webhook address."))
    webhook_secret = models.CharField(
        _("webhook signing secret"), max_length=128, blank=True,
        help_text=_("Standard Webhooks secret (whsec_...) used to check signatures."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    tenant_id = TenantKeyField()

    history = HistoricalRecords(excluded_fields=["webhook_token", "webhook_secret"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        indexes = [
            models.Index(fields=["trigger_type", "trigger_target", "is_active"],
                         name="workflow_dispatch_idx"),
        ]
        constraints = [
            # Names are unique per tenant; workflows of no tenant (all of them when
            # tenancy is off) share one namespace.
            models.UniqueConstraint(fields=["name"], condition=models.Q(tenant_id__isnull=True),
                                    name="workflow_name_unique"),
            models.UniqueConstraint(fields=["tenant_id", "name"],
                                    condition=models.Q(tenant_id__isnull=False),
                                    name="workflow_tenant_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        """Active with a saved definition: new events start runs of its live version."""
        return self.is_active and self.live_version_id is not None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def definition(self) -> dict[str, Any] | None:
        return self.live_version.definition if self.live_version_id else None


class WorkflowVersion(models.Model):
    """A frozen snapshot of a definition. Versions are numbered 1..n per workflow
    and never modified after they are created."""

    workflows_tenant_path = "workflow__tenant_id"

    workflow = models.ForeignKey(Workflow, verbose_name=_("workflow"), on_delete=models.CASCADE,
                                 related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64, editable=False)
    change_note = models.CharField(_("change note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["workflow", "-number"]
        verbose_name = _("workflow version")
        verbose_name_plural = _("workflow versions")
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="workflow_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow.name} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("A workflow version is never modified; save a new version instead.")
        self.checksum = definition_checksum(self.definition)
        super().save(*args, **kwargs)
