"""`branch`: paths, each with a condition and its own steps; the first path whose
condition holds runs, else the `otherwise` steps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine import Condition, DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck
from engine.types import ArrayType, Number, String
from engine.types.condition import ConditionTree
from engine.types.step_list import StepList
from engine.types.structure import StructField, StructType
from workflows_app.execution.flow import HistoryRound, NestedPlan, NestedSteps, Round

#: One path of a `branch`: `{"label": ..., "when": <condition>, "steps": [...]}`.
PATH = StructType((
    StructField("label", String(), "Name", required=False,
                help='What this path is for, e.g. "Big order".'),
    StructField("when", ConditionTree(), "Take this path if"),
    StructField("steps", StepList(), "Then"),
), type_name="Path", label="Path")
OTHERWISE = "otherwise"


def path_label(raw: Any, index: int) -> str:
    """What a path is called in outputs and the run history."""
    label = raw.get("label") if isinstance(raw, Mapping) else None
    return str(label) if label else f"Path {index + 1}"


class BranchPlan(NestedPlan):
    """One round: the steps of the chosen path, or of `otherwise` (none when there
    are no such steps). The memo keeps which path was chosen and why."""

    def __init__(self, step: Any, memo: dict[str, Any]) -> None:
        chosen = memo.get("chosen")
        if isinstance(chosen, int):
            self.place = f"paths[{chosen}].steps"
            outputs = {"path": memo.get("path") or f"Path {chosen + 1}", "path_index": chosen + 1}
        else:
            self.place = OTHERWISE
            outputs = {"path": OTHERWISE, "path_index": 0}
        super().__init__(1 if step.children.get(self.place) else 0, memo, outputs)
        self.key = step.key

    def round(self, index: int) -> Round:
        return Round(self.place, self.key)


@step_registry.register
class Branch(NestedSteps, StepType):
    """Runs the steps of the first path whose `when` holds (checked in order), or
    the `otherwise` steps when none does. Steps after the branch may refer to
    steps inside it only as values that may be missing."""

    key = "branch"
    label = "Choose a path"
    description = "Take the first path whose condition holds, otherwise another."
    group = "Flow"
    params = (
        Param("paths", ArrayType(PATH, min_items=1), "Paths",
              help="Checked in order; the first whose condition holds runs."),
        Param("otherwise", StepList(), "Otherwise", required=False,
              help="Runs when no path's condition holds."),
    )
    outputs = (
        Output("path", String(), "Path taken", help='Its name, or "otherwise".'),
        Output("path_index", Number(), "Path number", help="From 1; 0 for otherwise."),
    )
    marks_start = False

    def check(self, step: StepCheck) -> list[DefinitionError]:
        errors: list[DefinitionError] = []
        paths = step.raw_params.get("paths")
        for index, path in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(path, Mapping):
                where = join_path(join_path(join_path(step.path, "params"), "paths"), index)
                errors.extend(Condition.check(path.get("when"), step.schema,
                                              path=join_path(where, "when")))
        return errors

    def plan(self, step: Any, inputs: dict[str, Any], memo: Mapping[str, Any] | None,
             values: Mapping[str, Any], now: datetime) -> NestedPlan:
        if memo is None:
            memo = self.choose(step, values, now)
        return BranchPlan(step, dict(memo))

    @staticmethod
    def choose(step: Any, values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """Check the paths in order; the memo says which was taken and, for each
        path checked, whether its condition held and, if not, why."""
        checked: list[dict[str, Any]] = []
        chosen: int | None = None
        for index, raw in enumerate(step.raw_params.get("paths") or []):
            condition = Condition.compile(raw.get("when"), step.schema,
                                          path=f"paths[{index}].when")
            result = condition.explain(values, now=now)
            entry: dict[str, Any] = {"path": path_label(raw, index), "matched": result.matched}
            if not result.matched:
                failure = result.first_failure()
                entry["why"] = failure.message if failure and failure.message else "did not hold"
            checked.append(entry)
            if result.matched:
                chosen = index
                break
        memo: dict[str, Any] = {"checked": checked, "chosen": chosen}
        if chosen is not None:
            memo["path"] = checked[-1]["path"]
        return memo

    def history_rounds(self, key: str, raw_params: Mapping[str, Any],
                       memo: Mapping[str, Any] | None) -> list[HistoryRound]:
        checked = list((memo or {}).get("checked") or [])
        chosen = (memo or {}).get("chosen") if memo else None
        rounds: list[HistoryRound] = []
        paths = raw_params.get("paths")
        for index, raw in enumerate(paths if isinstance(paths, list) else []):
            entry = checked[index] if index < len(checked) and isinstance(checked[index],
                                                                          Mapping) else {}
            state = "" if memo is None else ("taken" if chosen == index else "not taken")
            note = str(entry.get("why") or "") if entry and not entry.get("matched") else ""
            if memo is not None and not entry and chosen != index:
                note = "not checked: an earlier path was taken"
            rounds.append(HistoryRound(f"paths[{index}].steps", key, path_label(raw, index),
                                       state, note))
        state = "" if memo is None else ("taken" if chosen is None else "not taken")
        rounds.append(HistoryRound(OTHERWISE, key, "Otherwise", state))
        return rounds

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("branch steps are expanded by the executor")
