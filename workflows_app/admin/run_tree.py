"""The nested steps of a run, as its page shows them: under a flow step, each of
its rounds (a `branch`'s paths, taken or not and why; a `for_each`'s items and a
`parallel`'s branches, each with its status) and the checkpoints of the steps inside.

Rounds come from the flow step itself (`NestedRounds.history_rounds`), so a new
flow step needs no edit here. Long loops show their first items and every item
that did not succeed, with a count of each status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from engine import step_registry
from engine.definition import step_list_places
from workflows_app.admin.run_display import status_badge
from workflows_app.execution.flow import NestedRounds
from workflows_app.models import Run, StepRun, StepStatus
from workflows_app.plain import step_title

#: How many items of a loop are listed besides the ones that did not succeed.
FIRST_ITEMS_SHOWN = 20
MAX_ITEMS_SHOWN = 100

StepItem = Callable[[int, str, str, StepRun | None, dict[str, Any]], dict[str, Any]]


def nested_rounds(raw_step: Mapping[str, Any], key: str, rows: Mapping[str, StepRun],
                  make_item: StepItem, depth: int = 0) -> dict[str, Any] | None:
    """The rounds of the flow step `raw_step` (checkpointed as `key`), each with its
    nested step items; None for a step without nested steps."""
    step_class = step_registry.find(raw_step.get("type"))
    if step_class is None or not issubclass(step_class, NestedRounds) or depth > 8:
        return None
    params = raw_step.get("params") if isinstance(raw_step.get("params"), Mapping) else {}
    lists: dict[str, list[Any]] = {}
    for param in step_class.params:
        for place, steps in step_list_places(param.type, params.get(param.name), param.name):
            lists[place] = steps
    row = rows.get(key)
    memo = row.inputs if row is not None and isinstance(row.inputs, dict) and row.inputs else None
    rounds = []
    for history in step_class().history_rounds(key, params, memo):
        items = []
        for index, raw in enumerate(lists.get(history.place, [])):
            if not isinstance(raw, Mapping):
                continue
            inner_key = f"{history.key}.{raw.get('key', index)}"
            item = make_item(index, inner_key, str(raw.get("type", "")), rows.get(inner_key),
                             dict(raw))
            item["nested"] = nested_rounds(raw, inner_key, rows, make_item, depth + 1)
            items.append(item)
        rounds.append({"label": history.label, "state": history.state or _state(items),
                       "note": history.note, "steps": items, "key": history.key})
    return _summarised(rounds)


def _state(items: list[dict[str, Any]]) -> str:
    statuses = {item["status"] for item in items}
    if not statuses or statuses == {""}:
        return "not reached"
    for status in (StepStatus.FAILED, StepStatus.RUNNING, StepStatus.WAITING,
                   StepStatus.PENDING):
        if status in statuses:
            return str(status)
    return "not reached" if "" in statuses else "done"


def _summarised(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(round_["state"] for round_ in rounds)
    shown = [round_ for index, round_ in enumerate(rounds)
             if index < FIRST_ITEMS_SHOWN or round_["state"] not in ("done", "not taken")]
    return {"rounds": shown[:MAX_ITEMS_SHOWN], "total": len(rounds),
            "hidden": len(rounds) - len(shown[:MAX_ITEMS_SHOWN]),
            "counts": sorted(counts.items())}


def flow_trees(run: Run) -> list[dict[str, Any]]:
    """The top-level flow steps of `run` with their rounds (each path taken or not
    and why, each item and branch with its status and its steps'), for pages that
    sum a run up, such as "Why didn't it run?"."""
    rows = {row.key: row for row in StepRun.objects.filter(run_id=run.pk)}
    trees = []
    for index, step in enumerate((run.version.definition or {}).get("steps") or []):
        if not isinstance(step, Mapping):
            continue
        key = str(step.get("key", index))
        nested = nested_rounds(step, key, rows, _summary_item)
        if nested is not None:
            trees.append({"key": key, "title": step_title(step, index), "row": rows.get(key),
                          "nested": nested})
    return trees


def _summary_item(index: int, key: str, step_type: str, row: StepRun | None,
                  raw: dict[str, Any]) -> dict[str, Any]:
    status = row.status if row else ""
    return {"key": key, "type": step_type, "row": row, "status": status,
            "title": step_title(raw or {"type": step_type}, index),
            "badge": status_badge(status, row.get_status_display()) if row else ""}
