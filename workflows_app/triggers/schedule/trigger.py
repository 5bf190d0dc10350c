"""`schedule`: fires on a cron schedule in a timezone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from engine import DefinitionError, Param, ScopeSchema, trigger_registry
from engine.errors import join_path
from engine.types import String
from workflows_app.models import Event, Workflow
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.config import timezone_param, timezone_problem
from workflows_app.triggers.schedule.firing import fire_due_schedules
from workflows_app.triggers.scope import (
    EVENT,
    SCHEDULED_FOR,
    event_scope_field,
    scheduled_for_field,
)


def describe_cron(expression: str) -> str:
    """A plain-English reading of a cron expression ("At 09:00 AM, Monday through Friday")."""
    from cron_descriptor import Options, get_description

    options = Options()
    options.use_24hour_time_format = True
    try:
        return str(get_description(expression, options))
    except Exception:  # cron_descriptor raises several unrelated exception types
        return ""


def cron_problem(expression: object) -> str | None:
    """Why `expression` is not a valid five-field cron expression, or None."""
    if not isinstance(expression, str) or not expression.strip():
        return 'expected a cron expression such as "0 9 * * 1-5"'
    if len(expression.split()) != 5:
        return (f'"{expression}" has {len(expression.split())} fields; a cron expression has 5 '
                "(minute hour day-of-month month day-of-week)")
    if not croniter.is_valid(expression):
        return f'"{expression}" is not a valid cron expression'
    return None


def next_fire_time(expression: str, timezone: str, after: datetime) -> datetime:
    """The next due time strictly after `after`, as an aware datetime."""
    zone = ZoneInfo(timezone)
    return croniter(expression, after.astimezone(zone)).get_next(datetime)


@trigger_registry.register
class Schedule(Trigger):
    """Fires at every due time of a cron expression, once even with many workers.

    Scope: `event.*` (`event.occurred_at` and `event.scheduled_for` are the due time).
    """

    key = "schedule"
    label = "On a schedule"
    description = "Runs at set times, e.g. every weekday at 09:00."
    group = "Time"
    config_params = (
        Param("cron", String(), "Schedule (cron)",
              help='Pick a common schedule, or write cron text: "0 9 * * 1-5" is 09:00 on '
                   "weekdays.",
              extra={"widget": "schedule"}),
        timezone_param(),
    )

    def check_config(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        errors = super().check_config(config, path)
        if errors:
            return errors
        problem = cron_problem(config.get("cron"))
        if problem:
            errors.append(DefinitionError(join_path(path, "cron"), problem))
        if config.get("timezone") is not None:
            problem = timezone_problem(config.get("timezone"))
            if problem:
                errors.append(DefinitionError(join_path(path, "timezone"), problem))
        return errors

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        return ScopeSchema([
            event_scope_field(scheduled_for_field()),
        ])

    def periodic(self, now: datetime) -> None:
        fire_due_schedules(self, now)

    @classmethod
    def record_slot(cls, workflow: Workflow, slot: datetime, *, dedupe_key: str,
                    wake: bool = False) -> Event:
        """Record the event of the due time `slot` of `workflow` (unique `dedupe_key`)."""
        return cls.record(payload={EVENT: {SCHEDULED_FOR: slot.isoformat()}},
                          workflow=workflow,
                          summary=f'"{workflow.name}" scheduled for {slot.isoformat()}',
                          dedupe_key=dedupe_key, occurred_at=slot, wake=wake)
