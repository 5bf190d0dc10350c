"""`for_each`: run nested steps once for each item of a list."""

from __future__ import annotations

from typing import Any

from engine import DefinitionError, Output, Param, ScopeField, StepType, step_registry
from engine.steps import StepCheck
from engine.types import Number
from engine.types.step_list import StepList
from workflows_app.steps.types import AnyList, not_runnable_yet


@step_registry.register
class ForEach(StepType):
    """Runs `steps` for each item of `items` (a list reference such as
    `payload.alerts`); inside, `item.*` is the current item (typed as the list's
    items) and `item_index` its position from 0. Each item's steps are
    checkpointed by index, so a retry resumes at the item it stopped at."""

    key = "for_each"
    label = "For each item"
    description = "Repeat steps for every item of a list."
    group = "Flow"
    params = (
        Param("items", AnyList(), "Items", help="A list, e.g. the alerts of a webhook."),
        Param("steps", StepList(min_items=1), "Do"),
    )
    outputs = (Output("count", Number(), "Items done"),)
    nested_outputs_after = "none"
    marks_start = False

    def nested_scope(self, step: StepCheck, place: str) -> list[ScopeField]:
        items = step.params.get("items")
        item_type = AnyList.item_type(items.value_type) if items is not None else AnyList()
        return [ScopeField("item", item_type, label="Current item"),
                ScopeField("item_index", Number(), label="Item number (from 0)")]

    def check(self, step: StepCheck) -> list[DefinitionError]:
        return not_runnable_yet(step, self.key)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("for_each steps are run by the executor")
