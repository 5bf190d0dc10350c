"""`branch`: paths, each with a condition and its own steps; the first path whose
condition holds runs, else the `otherwise` steps."""

from __future__ import annotations

from typing import Any

from engine import Condition, DefinitionError, Output, Param, StepType, step_registry
from engine.errors import join_path
from engine.steps import StepCheck
from engine.types import ArrayType, Number, String
from engine.types.condition import ConditionTree
from engine.types.step_list import StepList
from engine.types.structure import StructField, StructType
from workflows_app.steps.types import not_runnable_yet

#: One path of a `branch`: `{"label": ..., "when": <condition>, "steps": [...]}`.
PATH = StructType((
    StructField("label", String(), "Name", required=False,
                help='What this path is for, e.g. "Big order".'),
    StructField("when", ConditionTree(), "Take this path if"),
    StructField("steps", StepList(), "Then"),
), type_name="Path", label="Path")


@step_registry.register
class Branch(StepType):
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
            if isinstance(path, dict):
                where = join_path(join_path(join_path(step.path, "params"), "paths"), index)
                errors.extend(Condition.check(path.get("when"), step.schema,
                                              path=join_path(where, "when")))
        return errors or not_runnable_yet(step, self.key)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        raise NotImplementedError("branch steps are run by the executor")
