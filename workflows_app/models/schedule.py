"""Where each `schedule` workflow's cron schedule has got to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduleState(models.Model):
    """How far the time-based trigger of a workflow has got.

    For a `schedule` workflow: the last due time (slot) fired, written by
    `workflows_app.triggers.schedule.firing` in the same transaction as the slot's
    event. For a `model.date` workflow: the time up to which due records were
    fired (`last_slot`) and when that was checked (`last_fired_at`), written by
    `workflows_app.triggers.model_date.firing`. Exactly-once firing does not rely
    on it (the events' unique `dedupe_key` does); it makes the common "nothing
    due" case cost no extra query and keeps a slot from firing again after old
    events are purged.
    """

    workflow = models.OneToOneField("Workflow", verbose_name=_("workflow"),
                                    on_delete=models.CASCADE, primary_key=True,
                                    related_name="schedule_state")
    last_slot = models.DateTimeField(_("last fired slot"), null=True, blank=True)
    last_fired_at = models.DateTimeField(_("last fired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("schedule state")
        verbose_name_plural = _("schedule states")

    def __str__(self) -> str:
        return f"{self.workflow_id}: {self.last_slot}"
