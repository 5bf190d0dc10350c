"""`delay`: wait for a while, or until a moment, durably."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck, WaitContext, WaitOver
from engine.types import Bool, DateTime, Duration
from workflows_app.execution.flow import WaitUntil

RECHECK = "recheck"


@step_registry.register
class Delay(StepType):
    """Parks the run as `waiting` until the due time; survives restarts and resumes once.

    Give either `duration` ("2 days") or `until` (a DateTime, usually a reference
    such as `{"ref": "record.created_at"}`); a due time in the past continues at once.
    With `recheck` (the default for new steps), the workflow's conditions are
    checked again when the wait is over, on the record as it is then; when they
    no longer hold the run ends quietly there (succeeded, later steps not run).
    """

    key = "delay"
    label = "Wait"
    description = "Pause the workflow for a while or until a date."
    group = "Flow"
    params = (
        Param("duration", Duration(), "For", required=False, help='e.g. "2 days".'),
        Param("until", DateTime(), "Until", required=False),
        Param(RECHECK, Bool(), "Re-check the workflow's conditions after waiting",
              required=False, default=True,
              help="Stop here if they no longer hold (e.g. the order was confirmed "
                   "meanwhile)."),
    )
    outputs = (Output("resumed_at", DateTime(), "Resumed at"),)
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        given = [name for name in ("duration", "until") if name in step.params]
        if len(given) != 1:
            return [DefinitionError(join_path(step.path, "params"),
                                    'give either "duration" or "until" (exactly one)')]
        return []

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        due = inputs.get("until") or context.now + inputs["duration"]
        if due <= context.now:
            return {"resumed_at": context.now.isoformat()}
        raise WaitUntil(due)

    def after_wait(self, step: Any, wait: WaitContext) -> WaitOver | None:
        compiled = step.params.get(RECHECK)
        recheck = compiled.resolve(wait.values) if compiled is not None else True
        if not recheck:
            return None
        result = wait.conditions.explain(wait.values, now=wait.now)
        if result.matched:
            return None
        failure = result.first_failure()
        why = failure.message if failure and failure.message else "they do not hold"
        return WaitOver(stop=f"the workflow's conditions no longer hold after the wait ({why}); "
                             "the steps after it were not run")
