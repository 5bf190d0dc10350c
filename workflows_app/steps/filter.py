"""`filter`: end the run quietly unless a condition holds."""

from __future__ import annotations

from engine import Condition, DefinitionError, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck
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

    def check(self, step: StepCheck) -> list[DefinitionError]:
        raw = step.raw_params.get("condition")
        return Condition.check(raw, step.schema,
                               path=join_path(join_path(step.path, "params"), "condition"))
