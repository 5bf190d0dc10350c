"""`wait_for`: wait until a condition on the live record holds, or a named event
happens, or a timeout."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, StepType, step_registry
from engine.steps import StepCheck
from engine.types import Choice, Duration, String
from engine.types.condition import ConditionTree
from workflows_app.steps.types import not_runnable_yet


@step_registry.register
class WaitFor(StepType):
    """Parks the run until `condition` (on the record as it is now) holds or the
    event named `event` is emitted, at most for `timeout`; woken by the matching
    change or event. Outputs which happened."""

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
    outputs = (Output("outcome", Choice(options=[("condition", "Condition held"),
                                                  ("event", "Event happened"),
                                                  ("timeout", "Timed out")]), "What happened"),)
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        return not_runnable_yet(step, self.key)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("wait_for is not available yet")
