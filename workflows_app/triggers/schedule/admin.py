"""What the admin shows for schedule workflows: the next five due times, in the
workflow's timezone, in its status line."""

from __future__ import annotations

from django.contrib.admin import ModelAdmin
from django.http import HttpRequest

from workflows_app.models import Workflow
from workflows_app.triggers.base import AdminDetail, TriggerAdmin, register_trigger_admin
from workflows_app.triggers.schedule.picker import next_runs, run_text
from workflows_app.triggers.schedule.trigger import Schedule, cron_problem


@register_trigger_admin(Schedule)
class ScheduleAdmin(TriggerAdmin):
    """Adds "Next runs (Europe/Berlin): Mon 1 Dec 2026, 09:00 · …" to the status line."""

    def details(self, workflow: Workflow, request: HttpRequest,
                model_admin: ModelAdmin) -> list[AdminDetail]:
        config = workflow.trigger_config or {}
        cron = config.get("cron")
        zone = config.get("timezone") or "UTC"
        if not isinstance(cron, str) or cron_problem(cron):
            return []
        try:
            runs = next_runs(cron, zone)
        except Exception:  # a timezone removed from the system since it was saved
            return []
        label = f"Next runs ({zone})" if workflow.is_active else \
            f"Next runs once active ({zone})"
        return [AdminDetail(label, " · ".join(run_text(moment) for moment in runs),
                            html_id="wb-next-runs", code=False)]
