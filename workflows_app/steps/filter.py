"""`filter`: end the run quietly unless a condition holds."""

from __future__ import annotations

from typing import Any

from engine import Condition, DefinitionError, Output, Param, StepType, step_registry
from engine.conditions import compiled
from engine.errors import join_path
from engine.steps import StepCheck
from engine.types import Bool
from workflows_app.execution.flow import StopRun
from workflows_app.steps.types import ConditionTree


@step_registry.register
class Filter(StepType):
    """Continues only when `condition` holds; otherwise the run ends as
    `succeeded` with the remaining steps not run (a quiet stop, not a failure)."""

    key = "filter"
    label = "Continue only if"
    description = "Stop here, quietly, unless a condition holds."
    group = "Flow"
    params = (Param("condition", ConditionTree(), "Condition"),)
    outputs = (Output("passed", Bool(), "Condition held"),)
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        raw = step.raw_params.get("condition")
        return Condition.check(raw, step.schema,
                               path=join_path(join_path(step.path, "params"), "condition"))

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        condition = compiled(inputs["condition"], context.schema)
        result = condition.explain(context.values, now=context.now)
        if not result.matched:
            failure = result.first_failure()
            reason = failure.message if failure and failure.message else "condition not met"
            raise StopRun(f"stopped by filter: {reason}", outputs={"passed": False})
        return {"passed": True}
