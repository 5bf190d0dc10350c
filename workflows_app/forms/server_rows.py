"""Rows added and removed through the server, for widgets rendered by it
(`workflows_app.forms.server_widget`): a formset's management count read from
what the builder sent, and the row buttons (`<button name="<name>_action"
value="add">`, `value="remove-<index>"`) applied to the rows as sent. Used by
the `json_rows` and `inputs` widgets (`workflows_app.forms.widget_fields`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows_app.forms.server_widget import BadWidgetInput

__all__ = ["MAX_ROWS", "apply_row_action", "row_count"]

#: Most rows one value may have.
MAX_ROWS = 200


def row_count(data: Mapping[str, Any], prefix: str) -> int:
    """The formset's `TOTAL_FORMS` as sent; `BadWidgetInput` for what no page sends."""
    try:
        count = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except (TypeError, ValueError):
        raise BadWidgetInput("The rows sent cannot be read.") from None
    if not 0 <= count <= MAX_ROWS:
        raise BadWidgetInput(f"At most {MAX_ROWS} rows can be edited here.")
    return count


def apply_row_action(data: Mapping[str, Any], name: str, rows: list[Any], blank: Any) -> bool:
    """Add `blank` or remove a row when a row button of widget `name` was pressed
    (the request's `changed` names it); True when a row was added (its first input
    takes the focus)."""
    if str(data.get("changed", "")) != f"{name}_action":
        return False
    action = str(data.get(f"{name}_action", ""))
    if action == "add":
        if len(rows) >= MAX_ROWS:
            raise BadWidgetInput(f"At most {MAX_ROWS} rows can be edited here.")
        rows.append(blank)
        return True
    if action.startswith("remove-") and action[7:].isdigit() and int(action[7:]) < len(rows):
        del rows[int(action[7:])]
    return False
