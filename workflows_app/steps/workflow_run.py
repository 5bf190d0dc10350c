"""`workflow.run`: start another workflow (one with a manual trigger)."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.steps import StepCheck
from engine.types import JSON, Bool, Number, String
from workflows_app.steps.types import not_runnable_yet


@step_registry.register
class RunWorkflow(StepType):
    """Starts the active workflow named `workflow` (it must have a manual trigger)
    with `inputs` typed by that trigger's declared inputs; with `wait`, the run
    waits for it and outputs its status. Depth and loop guards apply."""

    key = "workflow.run"
    label = "Run another workflow"
    description = "Start a workflow that has a manual trigger, optionally waiting for it."
    group = "Flow"
    params = (
        Param("workflow", String(), "Workflow", help="Its name."),
        Param("inputs", JSON(), "Inputs", required=False),
        Param("wait", Bool(), "Wait until it has finished", required=False, default=False),
    )
    outputs = (
        Output("run_id", Number(), "Run"),
        Output("status", String(), "Status"),
    )

    def check(self, step: StepCheck) -> list[DefinitionError]:
        return not_runnable_yet(step, self.key)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("workflow.run is not available yet")
