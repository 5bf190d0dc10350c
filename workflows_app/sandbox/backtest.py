"""Backtests: over the last N events the draft's trigger received, how many would
have started a run — the draft's conditions evaluated on each event as dispatch
would (on the event's snapshot, at the time it happened), with examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine import ValidatedDefinition
from workflows_app.execution.values import event_values
from workflows_app.models import Event, Run, Workflow
from workflows_app.sandbox.sources import recent_events

DEFAULT_EVENTS = 100
MAX_EVENTS = 1000
EXAMPLES = 5


@dataclass
class BacktestExample:
    """One event and what the draft made of it."""

    event: Event
    started: bool
    reason: str = ""
    #: Whether the workflow's live version started a run for it (None: not saved yet).
    live_started: bool | None = None


@dataclass
class BacktestReport:
    """"Over the last `considered` events, this draft would have started `started` runs"."""

    considered: int
    started: int
    asked: int
    started_examples: list[BacktestExample] = field(default_factory=list)
    skipped_examples: list[BacktestExample] = field(default_factory=list)
    #: Runs the saved workflow actually started for the same events (None: a new workflow).
    live_started: int | None = None
    #: The most common reasons the draft would not have run, with counts.
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """"Over the last 40 events, this draft would have started 12 runs." """
        if not self.considered:
            return "The trigger has received no event yet: there is nothing to backtest."
        events = "the last event" if self.considered == 1 else \
            f"the last {self.considered} events"
        runs = "1 run" if self.started == 1 else f"{self.started} runs"
        return f"Over {events}, this draft would have started {runs}."

    def as_dict(self) -> dict[str, Any]:
        def example(item: BacktestExample) -> dict[str, Any]:
            return {"event": item.event.pk, "summary": str(item.event),
                    "occurred_at": item.event.occurred_at.isoformat(),
                    "started": item.started, "reason": item.reason,
                    "live_started": item.live_started}

        return {"summary": self.summary, "considered": self.considered,
                "started": self.started, "asked": self.asked,
                "live_started": self.live_started,
                "started_examples": [example(item) for item in self.started_examples],
                "skipped_examples": [example(item) for item in self.skipped_examples],
                "reasons": [{"reason": reason, "count": count}
                            for reason, count in self.reasons]}


def backtest(definition: ValidatedDefinition, workflow: Workflow | None, *,
             limit: int = DEFAULT_EVENTS, examples: int = EXAMPLES,
             who: Any = None) -> BacktestReport:
    """Evaluate the draft's conditions on the last `limit` events of its trigger
    (those `who` may see, with tenancy on)."""
    limit = max(1, min(int(limit), MAX_EVENTS))
    events = recent_events(definition, workflow, limit, who)
    live_runs: set[int] = set()
    if workflow is not None and workflow.pk is not None:
        live_runs = set(Run.objects.filter(workflow=workflow, rerun_of__isnull=True,
                                           event_id__in=[event.pk for event in events])
                        .values_list("event_id", flat=True))
    report = BacktestReport(considered=len(events), started=0, asked=limit,
                            live_started=len(live_runs) if workflow is not None
                            and workflow.pk is not None else None)
    reasons: dict[str, int] = {}
    for event in events:
        live = (event.pk in live_runs) if report.live_started is not None else None
        if workflow is not None and workflow.pk in (event.chain or []):
            reason = "loop prevented: a run of this workflow caused this event"
            reasons[reason] = reasons.get(reason, 0) + 1
            if len(report.skipped_examples) < examples:
                report.skipped_examples.append(BacktestExample(event, False, reason, live))
            continue
        result = definition.condition.explain(event_values(event, definition.scope),
                                              now=event.occurred_at)
        if result.matched:
            report.started += 1
            if len(report.started_examples) < examples:
                report.started_examples.append(BacktestExample(event, True, "", live))
            continue
        failure = result.first_failure()
        reason = (failure.message if failure and failure.message
                  else "the conditions did not hold")
        reasons[reason] = reasons.get(reason, 0) + 1
        if len(report.skipped_examples) < examples:
            report.skipped_examples.append(BacktestExample(event, False, reason, live))
    report.reasons = sorted(reasons.items(), key=lambda item: -item[1])[:5]
    return report
