"""`for_each`: run nested steps once for each item of a list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine import Output, Param, ScopeField, StepType, step_registry
from engine.steps import StepCheck
from engine.types import Number, ValueType
from engine.types.step_list import StepList
from workflows_app.conf import workflow_settings
from workflows_app.execution.flow import (
    HistoryRound,
    NestedPlan,
    NestedSteps,
    Round,
    StepError,
)
from workflows_app.execution.snapshot import json_value
from workflows_app.execution.values import hydrate
from workflows_app.steps.types import AnyList


class ItemsPlan(NestedPlan):
    """One round per item; the memo keeps the items as they were when the loop
    started (a resumed loop goes through the same list)."""

    def __init__(self, step: Any, memo: dict[str, Any], item_type: ValueType) -> None:
        self.items: list[Any] = list(memo.get("items") or [])
        super().__init__(len(self.items), memo, {"count": len(self.items)})
        self.key = step.key
        self.item_type = item_type

    def round(self, index: int) -> Round:
        return Round("steps", f"{self.key}[{index}]",
                     {"item": hydrate(self.item_type, self.items[index]), "item_index": index})


@step_registry.register
class ForEach(NestedSteps, StepType):
    """Runs `steps` for each item of `items` (a list reference such as
    `payload.alerts`); inside, `item.*` is the current item (typed as the list's
    items) and `item_index` its position from 0. Each item's steps are
    checkpointed by index, so a retry or a crash resumes at the item it stopped
    at. A list longer than `FOR_EACH_MAX_ITEMS` fails the step before any item."""

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
        return [ScopeField("item", self.item_type(step.params), label="Current item"),
                ScopeField("item_index", Number(), label="Item number (from 0)")]

    @staticmethod
    def item_type(params: Mapping[str, Any]) -> ValueType:
        items = params.get("items")
        return AnyList.item_type(items.value_type) if items is not None else AnyList()

    def plan(self, step: Any, inputs: dict[str, Any], memo: Mapping[str, Any] | None,
             values: Mapping[str, Any], now: datetime) -> NestedPlan:
        if memo is None:
            items = list(inputs.get("items") or [])
            cap = int(workflow_settings.FOR_EACH_MAX_ITEMS)
            if len(items) > cap:
                raise StepError(f"the list has {len(items):,} items; a for_each step takes at "
                                f"most {cap:,} (FOR_EACH_MAX_ITEMS)")
            memo = {"items": json_value(items)}
        return ItemsPlan(step, dict(memo), self.item_type(step.params))

    def history_rounds(self, key: str, raw_params: Mapping[str, Any],
                       memo: Mapping[str, Any] | None) -> list[HistoryRound]:
        items = list((memo or {}).get("items") or [])
        return [HistoryRound("steps", f"{key}[{index}]", f"Item {index + 1}")
                for index in range(len(items))]

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("for_each steps are expanded by the executor")
