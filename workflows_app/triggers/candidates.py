"""Which workflows an event is for: the one answer that dispatch (which starts
runs) and "why didn't it run?" (which explains them) share.

A workflow listens to an event when its trigger type is the event's, and either
the event is aimed at it (`Event.workflow`: webhooks, schedules, manual starts,
date triggers) or the workflow's `trigger_target` equals the event's `target`
(the model or event name, from `TriggerType.target`); then its trigger's
`listens_to(config, event)` may still decline it (`run.failed` watching chosen
workflows). With tenancy on, only workflows of the event's tenant listen to it
(an event of no tenant: only workflows of no tenant).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from engine import trigger_registry
from workflows_app.models import Event, Workflow
from workflows_app.tenancy import config as tenancy_config


def listening_key(event: Event) -> tuple[str, str, int | None, str | None]:
    """Events with the same key have the same `listening_query`."""
    return (event.trigger_type, event.target, event.workflow_id, event.tenant_id)


def listening_query(event: Event, *, active_only: bool = True) -> QuerySet[Workflow]:
    """Workflows whose trigger type and target (or id) match `event`: one indexed
    query, the same for every event with the same type, target and workflow."""
    query = Workflow.objects.filter(trigger_type=event.trigger_type)
    if tenancy_config.enabled():  # events go only to their tenant's workflows
        query = (query.filter(tenant_id=event.tenant_id) if event.tenant_id is not None
                 else query.filter(tenant_id__isnull=True))
    if active_only:
        query = query.filter(is_active=True)
    if event.workflow_id is not None:
        return query.filter(pk=event.workflow_id)
    return query.filter(trigger_target=event.target)


def candidate_workflows(event: Event, *, active_only: bool = True,
                        listening: Iterable[Workflow] | None = None) -> list[Workflow]:
    """The workflows `event` is for, by id: active ones for dispatch, all of them
    (`active_only=False`) to explain why some did not run. `listening` is the
    result of `listening_query` for such an event, when the caller has it already."""
    if listening is None:
        listening = listening_query(event, active_only=active_only).select_related(
            "live_version").order_by("pk")
    trigger_class = trigger_registry.find(event.trigger_type)
    listens_to = getattr(trigger_class, "listens_to", None) if trigger_class else None
    if listens_to is None:
        return list(listening)
    trigger = trigger_class()
    return [workflow for workflow in listening
            if trigger.listens_to(workflow.trigger_config or {}, event)]
