"""Events: the durable record of "X happened", and what each workflow made of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows_app.tenancy.fields import TenantKeyField


class EventStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DISPATCHED = "dispatched", _("dispatched")
    FAILED = "failed", _("failed")


class Event(models.Model):
    """Something that happened and may start workflows.

    Written in the same transaction as the change that caused it (so a rolled
    back change leaves no event), handed to a worker after commit, and swept up
    again if that hand-off is lost. `payload` holds the scope values as JSON:
    `record`, `previous`, `data`, `payload`, `headers`, `inputs`.
    """

    trigger_type = models.CharField(_("trigger"), max_length=64)
    target = models.CharField(_("target"), max_length=200, blank=True,
                              help_text=_("Model label or event name."))
    workflow = models.ForeignKey("Workflow", verbose_name=_("workflow"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="events",
                                 db_index=False,  # partial index in Meta
                                 help_text=_("For triggers aimed at one workflow "
                                             "(webhook, schedule, manual)."))
    status = models.CharField(_("status"), max_length=16, choices=EventStatus.choices,
                              default=EventStatus.PENDING)
    payload = models.JSONField(_("data"), default=dict, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    search_text = models.TextField(_("search text"), blank=True)
    record_model = models.CharField(_("record model"), max_length=200, blank=True)
    record_pk = models.CharField(_("record id"), max_length=64, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True,
                                   help_text=_("Identical events within the dedupe window "
                                               "share it."))
    dedupe_key = models.CharField(_("delivery id"), max_length=200, null=True, blank=True,
                                  help_text=_("Unique id of a delivery (webhook id, schedule "
                                              "slot); a repeat is refused."))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+",
                              db_index=False)  # partial index in Meta
    caused_by_run = models.ForeignKey("Run", verbose_name=_("caused by run"), null=True,
                                      blank=True, on_delete=models.SET_NULL,
                                      related_name="caused_events",
                                      db_index=False)  # partial index in Meta
    chain = models.JSONField(_("causal chain"), default=list, blank=True,
                             help_text=_("Ids of the workflows whose runs led to this event."))
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    dispatch_attempts = models.PositiveIntegerField(_("dispatch attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    tenant_id = TenantKeyField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # Every index costs each save of a registered model (the event is inserted
        # in the saving request). Columns that are mostly empty get partial
        # indexes: rows without a value add nothing to them.
        indexes = [
            models.Index(fields=["status", "created_at"], name="event_pending_idx"),
            models.Index(fields=["record_model", "record_pk"], name="event_record_idx"),
            models.Index(fields=["fingerprint", "occurred_at"], name="event_fingerprint_idx",
                         condition=~models.Q(fingerprint="")),
            models.Index(fields=["occurred_at"], name="event_occurred_idx"),
            models.Index(fields=["workflow"], name="event_workflow_idx",
                         condition=models.Q(workflow__isnull=False)),
            models.Index(fields=["actor"], name="event_actor_idx",
                         condition=models.Q(actor__isnull=False)),
            models.Index(fields=["caused_by_run"], name="event_caused_by_run_idx",
                         condition=models.Q(caused_by_run__isnull=False)),
            models.Index(fields=["tenant_id", "-occurred_at"], name="event_tenant_idx",
                         condition=models.Q(tenant_id__isnull=False)),
        ]
        constraints = [
            # A unique constraint, not `unique=True`: that would add a second,
            # LIKE-pattern index on PostgreSQL that no query uses.
            models.UniqueConstraint(fields=["dedupe_key"], name="event_dedupe_key_unique"),
        ]

    def __str__(self) -> str:
        return self.summary or f"{self.trigger_type} #{self.pk}"


class WorkflowEvaluation(models.Model):
    """What one workflow made of one event: why it ran, or the first reason it didn't."""

    workflows_tenant_path = "workflow__tenant_id"

    class Outcome(models.TextChoices):
        STARTED = "started", _("started a run")
        CONDITIONS_NOT_MET = "conditions_not_met", _("conditions not met")
        DUPLICATE = "duplicate", _("duplicate event")
        LOOP_PREVENTED = "loop_prevented", _("loop prevented")
        ERROR = "error", _("could not be evaluated")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE,
                              related_name="evaluations")
    workflow = models.ForeignKey("Workflow", verbose_name=_("workflow"),
                                 on_delete=models.CASCADE, related_name="evaluations")
    version = models.ForeignKey("WorkflowVersion", verbose_name=_("version"), null=True,
                                on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices)
    message = models.CharField(_("reason"), max_length=1000, blank=True)
    explanation = models.JSONField(_("condition explanation"), default=dict, blank=True)
    run = models.ForeignKey("Run", verbose_name=_("run"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("evaluated"), auto_now_add=True)

    class Meta:
        ordering = ["event", "workflow__name"]
        verbose_name = _("workflow evaluation")
        verbose_name_plural = _("workflow evaluations")
        constraints = [
            models.UniqueConstraint(fields=["event", "workflow"], name="evaluation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} / event {self.event_id}: {self.get_outcome_display()}"
