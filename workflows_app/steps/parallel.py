"""`parallel`: branches of steps that run at the same time and join."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Param, StepType, step_registry
from engine.steps import StepCheck
from engine.types import ArrayType, Choice, String
from engine.types.step_list import StepList
from engine.types.structure import StructField, StructType
from workflows_app.steps.types import not_runnable_yet

#: One branch of a `parallel` step.
PARALLEL_BRANCH = StructType((
    StructField("label", String(), "Name", required=False),
    StructField("steps", StepList(min_items=1), "Steps"),
    StructField("on_error", Choice(options=[("stop", "Stop the workflow"),
                                            ("continue", "Let the other branches finish")]),
                "If a step fails", required=False),
), type_name="Branch", label="Branch")


@step_registry.register
class Parallel(StepType):
    """Runs each branch's steps at the same time (on different workers when there
    are several) and continues when all are done. A branch's `on_error` says
    whether its failure fails the whole step (`stop`, the default) or only ends
    that branch (`continue`)."""

    key = "parallel"
    label = "Run at the same time"
    description = "Run branches of steps side by side and wait for all of them."
    group = "Flow"
    params = (Param("branches", ArrayType(PARALLEL_BRANCH, min_items=2), "Branches"),)
    nested_outputs_after = "always"

    def check(self, step: StepCheck) -> list[DefinitionError]:
        return not_runnable_yet(step, self.key)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("parallel steps are run by the executor")
