"""`wait_for`: wait until a condition on the live record holds, or a named event
happens, at most for a while."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine import Condition, DefinitionError, Output, Param, StepType, step_registry
from engine.conditions import compiled
from engine.errors import join_path
from engine.steps import StepCheck, WaitContext, WaitOver
from engine.types import Choice, Duration, String
from engine.types.condition import ConditionTree
from workflows_app.execution.flow import WaitUntil
from workflows_app.execution.signals import events_dispatched
from workflows_app.models import Event, Run, RunStatus, StepRun, StepStatus
from workflows_app.triggers.event.declared import get_declared_event

OUTCOMES = Choice(options=[("condition", "Condition held"), ("event", "Event happened"),
                           ("timeout", "Timed out")])
EVENT_TRIGGER = "event"


@step_registry.register
class WaitFor(StepType):
    """Parks the run until `condition` holds on the record as it is now, or the
    declared event named `event` is emitted, at most for `timeout`. The run is
    woken by the matching change of its record or by the event (no polling), and
    outputs which happened: `condition`, `event` or `timeout`. A condition that
    already holds goes on at once."""

    key = "wait_for"
    label = "Wait for"
    description = "Wait until something is true or happens, at most for a while."
    group = "Flow"
    params = (
        Param("condition", ConditionTree(), "Until", required=False,
              help="Checked on the record as it is now, whenever it changes."),
        Param("event", String(), "Or until the event", required=False,
              help='A declared event name, e.g. "payment.received".'),
        Param("timeout", Duration(), "At most", help='e.g. "3 days".'),
    )
    outputs = (Output("outcome", OUTCOMES, "What happened"),)
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        params_path = join_path(step.path, "params")
        given = [name for name in ("condition", "event") if step.raw_params.get(name)]
        if len(given) != 1:
            return [DefinitionError(params_path, 'give either "condition" or "event" '
                                                 "(exactly one)")]
        if given == ["event"]:
            name = step.raw_params["event"]
            if get_declared_event(name) is None:
                return [DefinitionError(join_path(params_path, "event"),
                                        f"no event named {name!r} is declared")]
            return []
        return Condition.check(step.raw_params["condition"], step.schema,
                               path=join_path(params_path, "condition"))

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        if inputs.get("condition"):
            condition = compiled(inputs["condition"], context.schema)
            if condition.evaluate(context.values, now=context.now):
                return {"outcome": "condition"}
        raise WaitUntil(context.now + inputs["timeout"])

    def after_wait(self, step: Any, wait: WaitContext) -> WaitOver | None:
        timeout = step.params["timeout"].resolve(wait.values)
        since = wait.since or wait.now
        if step.params.get("condition") is not None:
            condition = compiled(step.raw_params["condition"], step.schema)
            if condition.evaluate(wait.values, now=wait.now):
                return WaitOver(outputs={"outcome": "condition"})
        else:
            name = step.raw_params.get("event")
            if Event.objects.filter(trigger_type=EVENT_TRIGGER, target=name,
                                    occurred_at__gte=since).exists():
                return WaitOver(outputs={"outcome": "event"})
        due = since + timeout
        if wait.now >= due:
            return WaitOver(outputs={"outcome": "timeout"})
        return WaitOver(wait_until=due)


def wake_waiters(sender: Any, events: Iterable[Event], **kwargs: Any) -> None:
    """Make the runs waiting in a `wait_for` for these events due now: those whose
    record changed (the same record as their own event's) and those waiting for
    a named event that happened. Runs in the dispatching transaction."""
    records = {(event.record_model, event.record_pk) for event in events
               if event.record_model and event.trigger_type.startswith("model.")}
    names = {event.target for event in events if event.trigger_type == EVENT_TRIGGER}
    if not records and not names:
        return
    waiting = StepRun.objects.filter(step_type=WaitFor.key, status=StepStatus.WAITING)
    run_ids: set[int] = set()
    if records:  # one query for the whole batch, pairs matched here
        candidates = waiting.filter(
            run__event__record_model__in={model for model, _ in records},
            run__event__record_pk__in={pk for _, pk in records},
            inputs__condition__isnull=False,
        ).values_list("run_id", "run__event__record_model", "run__event__record_pk")
        run_ids.update(run_id for run_id, model, pk in candidates if (model, pk) in records)
    if names:
        run_ids.update(waiting.filter(inputs__event__in=list(names))
                       .values_list("run_id", flat=True))
    if not run_ids:
        return
    now = timezone.now()
    waiting.filter(run_id__in=run_ids).update(due_at=now)
    Run.objects.and_branches(run_ids).filter(status=RunStatus.WAITING).update(due_at=now)
    from workflows_app.execution.wakeups import wake_soon

    transaction.on_commit(wake_soon)


events_dispatched.connect(wake_waiters, dispatch_uid="workflows_wait_for_wake")
