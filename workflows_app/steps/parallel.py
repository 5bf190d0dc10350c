"""`parallel`: branches of steps that run at the same time and join."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from engine import Output, Param, StepType, step_registry
from engine.steps import StepCheck, WaitContext, WaitOver
from engine.types import ArrayType, Choice, Number, String
from engine.types.step_list import StepList
from engine.types.structure import StructField, StructType
from workflows_app.execution.branches import (
    branch_path,
    branch_runs,
    cancel_unfinished,
    start_branches,
    wake_joining_runs,
)
from workflows_app.execution.flow import BranchRuns, HistoryRound, StepError, WaitUntil
from workflows_app.execution.signals import runs_finished
from workflows_app.models import RunStatus

#: One branch of a `parallel` step.
PARALLEL_BRANCH = StructType((
    StructField("label", String(), "Name", required=False),
    StructField("steps", StepList(min_items=1), "Steps"),
    StructField("on_error", Choice(options=[("stop", "Stop the workflow"),
                                            ("continue", "Let the other branches finish")]),
                "If a step fails", required=False),
), type_name="Branch", label="Branch")
#: A waiting `parallel` step looks at its branches again at least this often (it
#: is also woken as soon as one finishes).
RECHECK_SECONDS = 30
_PLACE = re.compile(r"branches\[(\d+)\]\.steps")


def branch_label(raw: Any, index: int) -> str:
    """What a branch is called in outputs, errors and the run history."""
    label = raw.get("label") if isinstance(raw, Mapping) else None
    return str(label) if label else f"Branch {index + 1}"


def _branches(raw_params: Mapping[str, Any]) -> list[Any]:
    branches = raw_params.get("branches")
    return list(branches) if isinstance(branches, list) else []


@step_registry.register
class Parallel(BranchRuns, StepType):
    """Runs each branch's steps at the same time, each branch as a branch run that
    any worker may take (different workers when there are several), and goes on
    when all have finished. Each branch's steps are checkpointed under the
    branch's path (`fan.branches[1].notify`), so a crash or a retry resumes
    each branch where it stopped. A branch's `on_error` says whether its failure
    fails the whole step (`stop`, the default: the other branches are cancelled)
    or only ends that branch (`continue`: the others finish, and the steps after
    this one see that branch's outputs as possibly missing)."""

    key = "parallel"
    label = "Run at the same time"
    description = "Run branches of steps side by side and wait for all of them."
    group = "Flow"
    params = (Param("branches", ArrayType(PARALLEL_BRANCH, min_items=2), "Branches"),)
    outputs = (
        Output("failed", Number(), "Branches failed",
               help='Branches that failed and were let go ("Let the other branches finish").'),
        Output("failed_branches", String(), "Failed branches",
               help="Their names, separated by commas."),
    )
    nested_outputs_after = "always"
    # Starting the branch runs is written with the step's checkpoint, exactly once.
    transactional = True

    @staticmethod
    def branch_place(index: int) -> str:
        return f"branches[{index}].steps"

    def lets_fail(self, step: Any, index: int) -> bool:
        branches = _branches(step.raw_params)
        raw = branches[index] if index < len(branches) else None
        return isinstance(raw, Mapping) and raw.get("on_error") == "continue"

    def nested_outputs_for(self, step: StepCheck, place: str) -> str:
        match = _PLACE.fullmatch(place)
        if match and self.lets_fail(step, int(match.group(1))):
            return "may_be_missing"
        return self.nested_outputs_after

    def resolve_inputs(self, step: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        return {"branches": [{"label": branch_label(raw, index),
                              "on_error": raw.get("on_error") or "stop"}
                             for index, raw in enumerate(_branches(step.raw_params))]}

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        start_branches(context.run_id, context.step_key, len(inputs["branches"]))
        raise WaitUntil(context.now + timedelta(seconds=RECHECK_SECONDS))

    def after_wait(self, step: Any, wait: WaitContext) -> WaitOver | None:
        raw_branches = _branches(step.raw_params)
        runs = branch_runs(wait.run_id, wait.key, len(raw_branches))
        failed: list[str] = []
        waiting = False
        for index, (raw, run) in enumerate(zip(raw_branches, runs, strict=True)):
            label = branch_label(raw, index)
            if run is None:
                raise StepError(f'branch "{label}" was not started')
            if run.status in (RunStatus.FAILED, RunStatus.CANCELLED):
                why = run.error or str(run.status)
                if not self.lets_fail(step, index):
                    cancel_unfinished(runs, f'branch "{label}" failed')
                    raise StepError(f'branch "{label}" failed: {why}')
                failed.append(label)
            elif run.status != RunStatus.SUCCEEDED:
                waiting = True
        if waiting:
            return WaitOver(wait_until=wait.now + timedelta(seconds=RECHECK_SECONDS))
        return WaitOver(outputs={"failed": len(failed), "failed_branches": ", ".join(failed)})

    def history_rounds(self, key: str, raw_params: Mapping[str, Any],
                       memo: Mapping[str, Any] | None) -> list[HistoryRound]:
        return [HistoryRound(self.branch_place(index), branch_path(key, index),
                             branch_label(raw, index))
                for index, raw in enumerate(_branches(raw_params))]

    def visible_rounds(self, step: Any, key: str) -> list[tuple[str, list[Any]]]:
        return [(f"{branch_path(key, index)}.", step.children.get(self.branch_place(index), []))
                for index in range(len(_branches(step.raw_params)))]


runs_finished.connect(wake_joining_runs, dispatch_uid="workflows_parallel_join")
