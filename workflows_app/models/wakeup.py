"""Whether a wake-up task for the workflow engine is waiting in a task queue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingWakeUp(models.Model):
    """One row per django-q2 cluster (queue) the engine uses: set while an engine
    task is enqueued and not yet started, so that however many saves happen, at
    most one engine task waits in that queue (`workflows_app.execution.wakeups`).
    `extra_tasks` counts the engine tasks enqueued on purpose beside it (one per
    branch of a parallel step): a working task tells the host's waiting tasks from
    the engine's own by these two."""

    cluster = models.CharField(_("cluster"), max_length=100, unique=True, blank=True,
                               help_text=_("django-q2 cluster name; empty for the default."))
    requested_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    extra_tasks = models.PositiveIntegerField(
        _("extra tasks"), default=0,
        help_text=_("Engine tasks enqueued on purpose beside the flagged one (the branches "
                    "of a parallel step) and not yet started."))

    class Meta:
        verbose_name = _("pending wake-up")
        verbose_name_plural = _("pending wake-ups")

    def __str__(self) -> str:
        return f"{self.cluster or 'default'}: {self.requested_at or 'none pending'}"
