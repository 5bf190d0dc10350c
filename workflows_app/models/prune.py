"""The record of each `workflows_prune`: when it ran, its cutoff, what it deleted."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PruneLog(models.Model):
    """One application of the retention setting (`manage.py workflows_prune`).

    The runs list reads the latest one to say "Runs finished before <cutoff> were
    deleted on <date>", so nobody mistakes pruned history for missing runs.
    """

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    cutoff = models.DateTimeField(_("deleted what finished before"))
    days = models.PositiveIntegerField(_("retention (days)"))
    runs_deleted = models.PositiveIntegerField(_("runs deleted"), default=0)
    events_deleted = models.PositiveIntegerField(_("events deleted"), default=0)
    deliveries_deleted = models.PositiveIntegerField(_("webhook deliveries deleted"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("prune log entry")
        verbose_name_plural = _("prune log")

    def __str__(self) -> str:
        return f"pruned before {self.cutoff:%Y-%m-%d} on {self.started_at:%Y-%m-%d}"
