"""What a running step may raise to change the flow of its run, and what a flow
step with nested steps (`branch`, `for_each`, `parallel`) gives the executor to
run them and the run history to show them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class StepFlow(Exception):
    """Base class: a step asks the executor to do something other than continue."""


class WaitUntil(StepFlow):
    """Park the run as `waiting` until `due` (the `delay` step)."""

    def __init__(self, due: datetime) -> None:
        super().__init__(f"waiting until {due.isoformat()}")
        self.due = due


class StopRun(StepFlow):
    """End the run now as `succeeded`; the remaining steps are skipped (`filter`).
    Inside nested steps (a path, an item) it ends only that list."""

    def __init__(self, reason: str, outputs: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outputs = outputs or {}


class StepError(Exception):
    """A step failed with a message meant for the run history (no traceback).

    `retryable=False` says that trying again cannot succeed (the receiver refused
    the request, a value is not accepted, something named is missing): the step
    then fails at once, whatever its `retry` policy, and the run ends `failed`
    with this reason (or goes on, with `on_error: continue`). Errors are
    retryable by default: a timeout, a refused connection or an unexpected
    exception may pass.
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def is_retryable(error: BaseException | None) -> bool:
    """Whether another attempt might succeed where `error` failed (see `StepError`)."""
    return bool(getattr(error, "retryable", True))


@dataclass(frozen=True)
class Round:
    """One pass through one nested step list: which list (`place`, as the
    definition's `CompiledStep.children` names it), the part of the checkpoint
    key that tells this pass apart (`route`, `each[3]`) and the extra scope values
    the nested steps see (`item`, `item_index`)."""

    place: str
    key: str
    values: Mapping[str, Any] = field(default_factory=dict)


class NestedPlan:
    """What a flow step decided when its run reached it: how many rounds of nested
    steps to run, and each round. `memo` is JSON kept in the step's checkpoint (as
    its inputs), from which the step rebuilds the same plan when the run resumes,
    so a crash, a retry or a changed record never makes it decide differently."""

    def __init__(self, count: int, memo: dict[str, Any], outputs: dict[str, Any]) -> None:
        self.count = count
        self.memo = memo
        self.outputs = outputs

    def round(self, index: int) -> Round:
        raise NotImplementedError


class NestedRounds:
    """Mixin of every flow step type whose params hold nested step lists: how the
    run history lists its rounds, and which nested steps' outputs the steps after
    it see again when a run is resumed."""

    def history_rounds(self, key: str, raw_params: Mapping[str, Any],
                       memo: Mapping[str, Any] | None) -> list[HistoryRound]:
        """For the run history: every round this step has or could have had (each
        path, each item, each branch), with its label and what the memo says about
        it."""
        return []

    def visible_rounds(self, step: Any, key: str) -> list[tuple[str, list[Any]]]:
        """The rounds whose steps' outputs the steps after this one (checkpointed
        as `key`) may refer to, as (checkpoint key prefix, compiled steps).
        Default: every nested list, checkpointed under `<key>.` (a `branch`);
        none when the step type hides them (`nested_outputs_after = "none"`)."""
        if getattr(self, "nested_outputs_after", "") == "none":
            return []
        return [(f"{key}.", children) for children in step.children.values()]


class NestedSteps(NestedRounds):
    """Mixin of step types whose params hold nested step lists and which the
    executor runs by expanding them in place (`branch`, `for_each`): instead of
    `run`, it calls `plan` and runs the rounds of nested steps the plan lists,
    each nested step checkpointed under its own key (`<round key>.<step key>`,
    e.g. `each[3].notify`), then records the plan's `outputs` as the step's."""

    def plan(self, step: Any, inputs: dict[str, Any], memo: Mapping[str, Any] | None,
             values: Mapping[str, Any], now: datetime) -> NestedPlan:
        """Decide (first time: from `inputs` and scope `values`) or rebuild (from
        the `memo` kept in the checkpoint) what to run."""
        raise NotImplementedError


class BranchRuns(NestedRounds):
    """Mixin of step types whose nested step lists run as branch runs (`parallel`):
    the step itself runs once (it starts a branch run per list and waits, see
    `Run.parent`), each branch run walks the run's tree to the step and runs only
    its own list, checkpointed under `branch_place(key, index)`, and the step
    goes on when all have finished. `branch_place(index)` names the list."""

    @staticmethod
    def branch_place(index: int) -> str:
        raise NotImplementedError

    def lets_fail(self, step: Any, index: int) -> bool:
        """Whether branch `index` may fail without failing the step."""
        return False


@dataclass(frozen=True)
class HistoryRound:
    """One round as the run history shows it: its nested steps are at `place` in
    the definition and checkpointed under `<key>.<step key>`."""

    place: str
    key: str
    label: str
    #: "taken", "not taken", "" (items: from their steps' statuses).
    state: str = ""
    note: str = ""
