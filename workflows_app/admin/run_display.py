"""How the run history pages show things: status badges, durations, JSON, the
condition explanation tree and the date-range list filter.

Shared by `runs`, `events` and `why`; no views here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.safestring import SafeString

from engine import step_registry
from engine.types import Choice, DateTime
from workflows_app.models import Event, EventStatus, RunStatus, StepStatus, WorkflowEvaluation
from workflows_app.triggers.lookup import trigger_label

#: Status -> CSS modifier. Every status also shows its name: colour is never the
#: only signal.
STATUS_TONES = {
    RunStatus.PENDING: "neutral",
    RunStatus.RUNNING: "info",
    RunStatus.WAITING: "info",
    RunStatus.SUCCEEDED: "ok",
    RunStatus.FAILED: "error",
    RunStatus.CANCELLED: "neutral",
    StepStatus.SKIPPED: "neutral",
    EventStatus.DISPATCHED: "ok",
    WorkflowEvaluation.Outcome.STARTED: "ok",
    WorkflowEvaluation.Outcome.CONDITIONS_NOT_MET: "neutral",
    WorkflowEvaluation.Outcome.DUPLICATE: "neutral",
    WorkflowEvaluation.Outcome.LOOP_PREVENTED: "warning",
    WorkflowEvaluation.Outcome.ERROR: "error",
}
STATUS_LABELS = {
    **{value: label for value, label in RunStatus.choices},
    **{value: label for value, label in StepStatus.choices},
    **{value: label for value, label in EventStatus.choices},
    **{value: label for value, label in WorkflowEvaluation.Outcome.choices},
}


def status_badge(status: str, label: str | None = None, *, run_id: int | None = None
                 ) -> SafeString:
    """A coloured badge that also says the status in words."""
    tone = STATUS_TONES.get(status, "neutral")
    text = label or STATUS_LABELS.get(status, status)
    if run_id is not None:
        return format_html('<span class="wf-badge wf-badge-{} wf-status-{}" data-run-id="{}" '
                           'data-status="{}">{}</span>', tone, status, run_id, status, text)
    return format_html('<span class="wf-badge wf-badge-{} wf-status-{}" data-status="{}">{}'
                       '</span>', tone, status, status, text)


def run_status_badge(run: Any) -> SafeString:
    """A run's status badge; a succeeded run in which a step failed with
    `on_error: continue` also says "with errors"."""
    badge = status_badge(run.status, run.get_status_display(), run_id=run.pk)
    if run.succeeded_with_errors:
        return format_html('{} <span class="wf-badge wf-badge-warning wf-with-errors" '
                           'title="{}">{}</span>', badge,
                           "A step failed and the run went on (its “on error” is "
                           "“continue”).", "with errors")
    return badge


def human_duration(value: timedelta | int | float | None, *, milliseconds: bool = False
                   ) -> str:
    """`850 ms`, `4.2 s`, `3 min 05 s`, `2 h 04 min`; "—" for nothing."""
    if value is None:
        return "—"
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    else:
        seconds = value / 1000 if milliseconds else float(value)
    seconds = max(seconds, 0.0)
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"


def pretty_json(value: Any) -> str:
    """Indented JSON for a <pre> (escaped by the template)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


#: A value longer than this is cut in a step's outcome line (the outputs hold it whole).
OUTCOME_MAX_CHARS = 120


def step_outcome(step_type: str, outputs: Any) -> list[tuple[str, str]]:
    """What a step's plain outputs say, as (label, value) in the order its type declares
    them ("Message id", "SM87..."; "Status", "queued"): one line on the run page, so
    support reads what a provider answered without opening the outputs. Lists,
    objects and empty values are left to the outputs' JSON."""
    if not isinstance(outputs, dict):
        return []
    step_class = step_registry.find(step_type)
    shown = []
    for output in step_class.outputs if step_class else ():
        value = outputs.get(output.name)
        if isinstance(value, bool) or value in (None, "") or not isinstance(
                value, str | int | float):
            continue
        moment = parse_datetime(value) if isinstance(output.type, DateTime) and isinstance(
            value, str) else None
        text = formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if (
            moment is not None and timezone.is_aware(moment)) else str(value)
        if isinstance(output.type, Choice):  # "Timed out", not "timed_out"
            text = dict(output.type.options()).get(value, text)
        label = output.label or output.name
        if len(text) > OUTCOME_MAX_CHARS:
            text = text[:OUTCOME_MAX_CHARS - 1] + "\u2026"
        shown.append((str(label), text))
    return shown


def event_summary(event: Event) -> str:
    """The event's one line ("Order A-1001 updated"), or its trigger's label."""
    return event.summary or f"{trigger_label(event.trigger_type)} #{event.pk}"


# -- the condition explanation ------------------------------------------------------------

@dataclass
class ExplainedNode:
    """One node of a stored explanation (`ConditionResult.as_dict()`), for templates."""

    kind: str
    matched: bool
    path: str = ""
    ref: str = ""
    op: str = ""
    expected: Any = None
    actual: Any = None
    message: str = ""
    first_failure: bool = False
    children: list[ExplainedNode] = field(default_factory=list)

    @property
    def group_label(self) -> str:
        return {"all": "all of these hold", "any": "at least one of these holds",
                "not": "this does not hold", "empty": "no conditions"}.get(self.kind, self.kind)

    @property
    def expected_text(self) -> str:
        return _short(self.expected)

    @property
    def actual_text(self) -> str:
        return _short(self.actual)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           default=str)
    return text if len(text) <= 120 else text[:117] + "…"


def explanation_tree(data: Any) -> ExplainedNode | None:
    """The explanation as nodes, the first failing condition marked (the same one
    `ConditionResult.first_failure` names)."""
    if not isinstance(data, dict) or "kind" not in data:
        return None
    root = _node(data)
    failing = _first_failure(root)
    if failing is not None:
        failing.first_failure = True
    return root


def _node(data: dict[str, Any]) -> ExplainedNode:
    children = [_node(child) for child in data.get("children") or [] if isinstance(child, dict)]
    return ExplainedNode(kind=str(data.get("kind", "")), matched=bool(data.get("matched")),
                         path=str(data.get("path", "")), ref=str(data.get("ref", "")),
                         op=str(data.get("op", "")), expected=data.get("expected"),
                         actual=data.get("actual"), message=str(data.get("message") or ""),
                         children=children)


def _first_failure(node: ExplainedNode) -> ExplainedNode | None:
    if node.matched:
        return None
    if node.kind in {"leaf", "not"}:
        return node
    for child in node.children:
        if not child.matched:
            return _first_failure(child)
    return node


# -- the date-range filter ------------------------------------------------------------------

class DateRangeFilter(admin.FieldListFilter):
    """From / to dates (inclusive) for a date-time field, with quick choices.

    `list_filter = [("created_at", DateRangeFilter)]`; query parameters
    `<field>__from` and `<field>__to` as `YYYY-MM-DD`, in the current time zone.
    """

    template = "workflows_app/admin/runs/date_range_filter.html"

    def __init__(self, field: Any, request: HttpRequest, params: dict[str, Any],
                 model: type[Model], model_admin: admin.ModelAdmin, field_path: str) -> None:
        self.param_from = f"{field_path}__from"
        self.param_to = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.date_from = self._date(self.used_parameters.get(self.param_from))
        self.date_to = self._date(self.used_parameters.get(self.param_to))
        self.title = getattr(field, "verbose_name", field_path)

    @staticmethod
    def _date(value: Any) -> date | None:
        if isinstance(value, list):
            value = value[-1] if value else None
        if not value:
            return None
        try:
            return parse_date(str(value))
        except ValueError:
            return None

    def expected_parameters(self) -> list[str]:
        return [self.param_from, self.param_to]

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        zone = timezone.get_current_timezone()
        if self.date_from:
            start = timezone.make_aware(datetime.combine(self.date_from, time.min), zone)
            queryset = queryset.filter(**{f"{self.field_path}__gte": start})
        if self.date_to:
            end = timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1),
                                                       time.min), zone)
            queryset = queryset.filter(**{f"{self.field_path}__lt": end})
        return queryset

    def choices(self, changelist: ChangeList) -> Any:
        self.form = self.form_context(changelist)  # the template has no `cl`
        today = timezone.localdate()
        presets = [
            ("Any date", None, None),
            ("Today", today, today),
            ("Past 7 days", today - timedelta(days=6), today),
            ("Past 30 days", today - timedelta(days=29), today),
        ]
        for label, start, end in presets:
            if start is None:
                query = changelist.get_query_string(remove=[self.param_from, self.param_to])
            else:
                query = changelist.get_query_string(
                    {self.param_from: start.isoformat(), self.param_to: end.isoformat()})
            yield {
                "selected": self.date_from == start and self.date_to == end,
                "query_string": query,
                "display": label,
            }

    def form_context(self, changelist: ChangeList) -> dict[str, Any]:
        """What the template's from/to form needs: the other query parameters as
        hidden fields (a new range starts again at the first page)."""
        hidden = []
        for key, values in changelist.params.items():
            if key in {self.param_from, self.param_to, "p"}:
                continue
            hidden.extend((key, value)
                          for value in (values if isinstance(values, list) else [values]))
        return {
            "param_from": self.param_from,
            "param_to": self.param_to,
            "value_from": self.date_from.isoformat() if self.date_from else "",
            "value_to": self.date_to.isoformat() if self.date_to else "",
            "hidden": hidden,
            "field_id": self.field_path.replace("__", "-"),
        }
