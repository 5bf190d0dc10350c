"""Runs: one execution of one pinned workflow version for one event."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    WAITING = "waiting", _("waiting")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


FINISHED_RUN_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class StepStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")
    WAITING = "waiting", _("waiting")


class RunQuerySet(models.QuerySet["Run"]):
    """Runs, with the "succeeded with errors" marker on demand."""

    def with_step_errors(self) -> RunQuerySet:
        """Annotate `has_step_errors`: a step failed although the run went on
        (`on_error: continue`). For a succeeded run this reads "succeeded with
        errors"; the status itself stays `succeeded`."""
        failed = StepRun.objects.filter(run=OuterRef("pk"), status=StepStatus.FAILED)
        return self.annotate(has_step_errors=Exists(failed))

    def succeeded_with_errors(self) -> RunQuerySet:
        """Succeeded runs in which a step failed with `on_error: continue`."""
        failed = StepRun.objects.filter(run=OuterRef("pk"), status=StepStatus.FAILED)
        return self.filter(Exists(failed), status=RunStatus.SUCCEEDED)

    def succeeded_cleanly(self) -> RunQuerySet:
        """Succeeded runs in which no step failed."""
        failed = StepRun.objects.filter(run=OuterRef("pk"), status=StepStatus.FAILED)
        return self.filter(~Exists(failed), status=RunStatus.SUCCEEDED)

    def top_level(self) -> RunQuerySet:
        """Runs as people see them: without the branch runs of `parallel` steps
        (their steps are shown in their run's history)."""
        return self.filter(parent__isnull=True)

    def and_branches(self, run_ids: list[int] | set[int]) -> RunQuerySet:
        """The runs `run_ids` and their branch runs (a step waiting inside a
        `parallel` branch parks the branch run, checkpointed under its run)."""
        ids = list(run_ids)
        return self.filter(Q(pk__in=ids) | Q(parent_id__in=ids))


class Run(models.Model):
    """One execution of `version` for `event`.

    A worker takes a run by writing a lease (`lease_owner`, `lease_expires_at`)
    and renews it while it holds the run; an expired lease means the worker
    died, and another worker takes the run over (`takeovers` counts how often).
    `due_at` parks a run (delay or retry back-off) until that time.

    A `parallel` step runs each of its branches as a branch run (`parent`,
    `branch`): a unit of work another worker can take, whose steps are
    checkpointed in the parent's history under the branch's path
    (`fan.branches[1].notify`). Lists of runs leave them out (`top_level()`).
    """

    workflows_tenant_path = "workflow__tenant_id"

    workflow = models.ForeignKey("Workflow", verbose_name=_("workflow"),
                                 on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey("WorkflowVersion", verbose_name=_("version"),
                                on_delete=models.PROTECT, related_name="runs")
    event = models.ForeignKey("Event", verbose_name=_("event"), on_delete=models.CASCADE,
                              related_name="runs")
    rerun_of = models.ForeignKey("self", verbose_name=_("run again from"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="reruns")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices,
                              default=RunStatus.PENDING)
    chain = models.JSONField(_("causal chain"), default=list, blank=True,
                             help_text=_("Ids of the workflows whose runs led to this run, "
                                         "this one last."))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    lease_owner = models.CharField(_("worker"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    parent = models.ForeignKey("self", verbose_name=_("branch of"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="branch_runs")
    branch = models.CharField(_("branch"), max_length=255, blank=True, help_text=_(
        "For the branch run of a parallel step: the branch's path (fan.branches[1])."))
    takeovers = models.PositiveIntegerField(
        _("takeovers"), default=0,
        help_text=_("Times a worker took the run over from one that stopped while running "
                    "it (crashed, killed, lost its lease)."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("run")
        verbose_name_plural = _("runs")
        constraints = [
            models.UniqueConstraint(fields=["version", "event"],
                                    condition=Q(rerun_of__isnull=True, parent__isnull=True),
                                    name="run_once_per_version_and_event"),
            models.UniqueConstraint(fields=["parent", "branch"],
                                    condition=Q(parent__isnull=False),
                                    name="branch_run_once"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="run_due_idx"),
            models.Index(fields=["workflow", "-created_at"], name="run_workflow_idx"),
            models.Index(fields=["-created_at"], name="run_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Run #{self.pk}"

    @property
    def history_run_id(self) -> int:
        """The run whose history holds this run's steps (the parent of a branch run)."""
        return self.parent_id or self.pk

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_RUN_STATUSES

    @property
    def succeeded_with_errors(self) -> bool:
        """Succeeded, but a step failed on the way (`on_error: continue`). Uses the
        `has_step_errors` annotation when the queryset has it."""
        if self.status != RunStatus.SUCCEEDED:
            return False
        marker = getattr(self, "has_step_errors", None)
        if marker is None:
            marker = self.steps.filter(status=StepStatus.FAILED).exists()
        return bool(marker)

    @property
    def duration(self):  # type: ignore[no-untyped-def]
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class StepRun(models.Model):
    """The checkpoint of one step of a run: written as the step finishes."""

    workflows_tenant_path = "run__workflow__tenant_id"

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE,
                            related_name="steps")
    index = models.PositiveIntegerField(_("position"))
    key = models.CharField(_("step"), max_length=255, help_text=_(
        "The step key; for nested steps with the rounds they are in (each[3].notify)."))
    step_type = models.CharField(_("type"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=StepStatus.choices,
                              default=StepStatus.PENDING)
    attempt = models.PositiveIntegerField(_("attempts"), default=0)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True,
                              help_text=_("Resolved inputs, secrets redacted."))
    outputs = models.JSONField(_("outputs"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts_log = models.JSONField(_("attempts"), default=list, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        verbose_name = _("step run")
        verbose_name_plural = _("step runs")
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="step_run_unique"),
        ]
        indexes = [
            # Steps waiting for something (a change, an event, another run): few rows.
            models.Index(fields=["step_type"], condition=Q(status="waiting"),
                         name="steprun_waiting_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.run} / {self.key}"

    @property
    def idempotency_key(self) -> str:
        return f"{self.run_id}:{self.key}"


class RunAction(models.Model):
    """Who did what to a run by hand (retry, cancel, run again), and when."""

    workflows_tenant_path = "run__workflow__tenant_id"

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.CASCADE,
                            related_name="actions")
    action = models.CharField(_("action"), max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True,
                             blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["run", "created_at"]
        verbose_name = _("run action")
        verbose_name_plural = _("run actions")

    def __str__(self) -> str:
        return f"{self.action} on {self.run} by {self.user or 'system'}"
