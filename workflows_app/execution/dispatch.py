"""Dispatch: which workflows does an event start, and why the others don't run.

For each active workflow listening to the event's trigger, in one transaction:
pick the version that was live when the event was recorded, refuse loops and
duplicates, explain the conditions, and create a run for each match. Every
workflow considered leaves a `WorkflowEvaluation` row: the answer to "why did /
didn't workflow W run for order 123?".
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from engine import InvalidDefinition
from workflows_app.conf import workflow_settings
from workflows_app.execution import statements
from workflows_app.execution.definitions import compiled_definition
from workflows_app.execution.leases import FRESH_RUN_ATTRIBUTE, lease_until
from workflows_app.execution.redaction import redact_event_payload
from workflows_app.execution.search_text import fill_search_texts, search_text_for
from workflows_app.execution.signals import events_dispatched
from workflows_app.execution.values import event_values
from workflows_app.models import (
    Event,
    EventStatus,
    Run,
    RunStatus,
    Workflow,
    WorkflowEvaluation,
    WorkflowVersion,
)
from workflows_app.triggers.candidates import (
    candidate_workflows,
    listening_key,
    listening_query,
)

logger = logging.getLogger("workflows_app.dispatch")
Outcome = WorkflowEvaluation.Outcome


def version_at(workflow: Workflow, event: Event) -> WorkflowVersion | None:
    """The version that was live when the event was recorded (a run pins it), or
    None when the workflow did not exist yet: older events never start it."""
    live = workflow.live_version
    if live is not None and live.created_at <= event.created_at:
        return live
    return (workflow.versions.filter(created_at__lte=event.created_at)
            .order_by("-number").first())


def _workflow_names(ids: list[int]) -> str:
    names = dict(Workflow.objects.filter(pk__in=ids).values_list("pk", "name"))
    return " → ".join(f'"{names.get(pk, pk)}"' for pk in ids)


#: How many earlier events of a record the duplicate check looks back through.
DEDUPE_LOOKBACK = 20


def duplicate_of(event: Event, version: WorkflowVersion) -> int | None:
    """The id of the event whose run `event` merely repeats, or None.

    A duplicate is the same change reported twice: the events recorded just before
    this one for the same record, back to the first that differs, carry the same
    change (`fingerprint`: trigger, record, values before and after) within
    `DEDUPE_WINDOW_SECONDS`, and one of them started this version. A double save,
    a form posted twice, two code paths saving one change - in one transaction or
    several - are one run. The same change made again after the record changed
    in between is a genuine repeat: the change in between breaks the sequence, so
    it always runs.
    """
    window = workflow_settings.DEDUPE_WINDOW_SECONDS
    if not event.fingerprint or not window or not event.record_model:
        return None
    earlier = (Event.objects.filter(
        record_model=event.record_model, record_pk=event.record_pk,
        trigger_type=event.trigger_type, pk__lt=event.pk,
        occurred_at__gte=event.occurred_at - timedelta(seconds=window))
        .order_by("-pk").values_list("pk", "fingerprint")[:DEDUPE_LOOKBACK])
    same: list[int] = []
    for pk, fingerprint in earlier:
        if fingerprint != event.fingerprint:
            break
        same.append(pk)
    if not same:
        return None
    return (Run.objects.filter(version=version, event_id__in=same)
            .order_by("event_id").values_list("event_id", flat=True).first())


def _fingerprint_free(event: Event) -> bool:
    """Hold the event's fingerprint for this transaction (PostgreSQL advisory lock).

    Two workers dispatching identical events (a double save) at the same moment
    would each miss the other's uncommitted run and both start one. False when
    another transaction holds the fingerprint: leave the event pending for the
    next pass, which sees that run. (SQLite runs one writing transaction at a time.)
    """
    if (not event.fingerprint or not workflow_settings.DEDUPE_WINDOW_SECONDS
            or connection.vendor != "postgresql"):
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [int(event.fingerprint[:15], 16)])
        return bool(cursor.fetchone()[0])


class Holder:
    """A worker that takes the runs a dispatch creates, up to `limit`, straight
    away: they are inserted already leased to it (no claim needed)."""

    def __init__(self, owner: str, limit: int) -> None:
        self.owner = owner
        self.limit = limit
        self.runs: list[Run] = []

    def take(self, runs: list[Run]) -> None:
        now = timezone.now()
        until = lease_until()
        for run in runs[:max(0, self.limit - len(self.runs))]:
            run.status = RunStatus.RUNNING
            run.lease_owner = self.owner
            run.lease_expires_at = until
            run.started_at = now
            setattr(run, FRESH_RUN_ATTRIBUTE, True)
            self.runs.append(run)


class _Inserts:
    """The runs and evaluations of a dispatch batch, inserted together: two
    statements per batch instead of two per event."""

    def __init__(self, holder: Holder | None = None) -> None:
        self.runs: list[Run] = []
        self.evaluations: list[WorkflowEvaluation] = []
        self.holder = holder

    def flush(self) -> None:
        if self.runs:
            if self.holder is not None:
                self.holder.take(self.runs)
            statements.insert_many(self.runs, returning=True)
            for evaluation in self.evaluations:
                if evaluation.run is not None:
                    evaluation.run_id = evaluation.run.pk
        if self.evaluations:
            statements.insert_many(self.evaluations)
        self.runs, self.evaluations = [], []


def dispatch_event(event: Event, candidates: list[Workflow] | None = None, *,
                   inserts: _Inserts | None = None) -> list[Run]:
    """Evaluate `event` against its candidate workflows; create the runs.

    Call inside a transaction holding the event (see `dispatch_pending`). With
    `inserts`, the rows are left there for the caller to insert with the batch's.
    """
    own_inserts = inserts is None
    inserts = inserts or _Inserts()
    if event.fingerprint and inserts.runs:
        inserts.flush()  # the duplicate check below must see the batch's runs so far
    runs: list[Run] = []
    evaluations: list[WorkflowEvaluation] = []
    max_depth = workflow_settings.MAX_CHAIN_DEPTH
    if candidates is None:
        candidates = candidate_workflows(event)
    for workflow in candidates:
        version = version_at(workflow, event)
        if version is None:
            continue
        evaluation = WorkflowEvaluation(event=event, workflow=workflow, version=version)
        evaluations.append(evaluation)
        original = duplicate_of(event, version)
        if original is not None:
            evaluation.outcome = Outcome.DUPLICATE
            evaluation.message = (f"the same change as event #{original} (an identical event "
                                  "within the dedupe window, with no other change of the "
                                  "record in between) already started this version")
            continue
        try:
            definition = compiled_definition(version)
        except InvalidDefinition as exc:
            evaluation.outcome = Outcome.ERROR
            evaluation.message = f"version {version.number} is no longer valid: {exc}"[:1000]
            continue
        result = definition.condition.explain(event_values(event, definition.scope),
                                              now=event.occurred_at)
        evaluation.explanation = result.as_dict()
        if not result.matched:
            failure = result.first_failure()
            evaluation.outcome = Outcome.CONDITIONS_NOT_MET
            evaluation.message = (failure.message if failure and failure.message
                                  else "the conditions did not hold")[:1000]
            continue
        # Loops are refused only where the workflow would have run: an event whose
        # conditions do not hold answers "conditions not met", not "loop prevented".
        if workflow.pk in event.chain:
            evaluation.outcome = Outcome.LOOP_PREVENTED
            evaluation.message = (f"loop prevented: this event was caused by a run of this "
                                  f"workflow (chain: {_workflow_names(event.chain)})")
            continue
        if len(event.chain) >= max_depth:
            evaluation.outcome = Outcome.LOOP_PREVENTED
            evaluation.message = (f"loop prevented: the chain of runs is {len(event.chain)} "
                                  f"deep, the limit is {max_depth} "
                                  f"(chain: {_workflow_names(event.chain)})")
            continue
        evaluation.outcome = Outcome.STARTED
        evaluation.message = "all conditions held"
        run = Run(workflow=workflow, version=version, event=event, status=RunStatus.PENDING,
                  chain=[*event.chain, workflow.pk])
        runs.append(run)
        evaluation.run = run
    inserts.runs += runs
    inserts.evaluations += evaluations
    if own_inserts:
        inserts.flush()
    return runs


class _Candidates:
    """Candidate workflows per event; the workflows listening to a trigger type and
    target are looked up once per batch."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, int | None, str | None], list[Workflow]] = {}

    def __call__(self, event: Event) -> list[Workflow]:
        key = listening_key(event)
        if key not in self._cache:
            self._cache[key] = list(listening_query(event).select_related("live_version")
                                    .order_by("pk"))
        return candidate_workflows(event, listening=self._cache[key])


def _dispatch_batch(events: list[Event], *, isolate: bool,
                    holder: Holder | None = None) -> tuple[int, list[int]]:
    """Dispatch `events`; with `isolate`, each in a savepoint so one failure (marked
    on its event) does not undo the others. Returns (runs created, dispatched ids)."""
    created = 0
    dispatched: list[int] = []
    candidates = _Candidates()
    batch_inserts = _Inserts(holder)
    for event in events:
        if candidates(event) and not _fingerprint_free(event):
            continue  # an identical event is being dispatched right now: next pass
        if not isolate:
            created += len(dispatch_event(event, candidates(event), inserts=batch_inserts))
            dispatched.append(event.pk)
            continue
        try:
            with transaction.atomic():
                created += len(dispatch_event(event, candidates(event)))
        except Exception as exc:
            logger.exception("dispatching event %s failed", event.pk)
            Event.objects.filter(pk=event.pk).update(
                status=EventStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:5000],
                dispatch_attempts=F("dispatch_attempts") + 1, dispatched_at=timezone.now(),
                search_text=search_text_for(event.summary,
                                            redact_event_payload(event.payload)))
            continue
        dispatched.append(event.pk)
    batch_inserts.flush()
    return created, dispatched


def dispatch_pending(limit: int, *, holder: Holder | None = None) -> int:
    """Dispatch up to `limit` pending events; returns how many runs were created
    (with `holder`, some of them are leased to it: `holder.runs`).

    The batch is dispatched in one transaction. If anything unexpected fails, it is
    rolled back and dispatched again event by event, each in a savepoint: the
    failing event is marked `failed` with the error (logged), the others go on.
    """
    for isolate in (False, True):
        if holder is not None:
            holder.runs = []
        try:
            with transaction.atomic():
                query = Event.objects.filter(status=EventStatus.PENDING).order_by("pk")
                if connection.features.has_select_for_update_skip_locked:
                    query = query.select_for_update(skip_locked=True)
                events = list(query[:limit])
                if not events:
                    return 0
                created, dispatched = _dispatch_batch(events, isolate=isolate, holder=holder)
                _mark_dispatched([event for event in events if event.pk in set(dispatched)])
                return created
        except Exception:
            if isolate:
                raise
            logger.warning("dispatching a batch failed; retrying event by event",
                           exc_info=True)
    return 0


def _mark_dispatched(events: list[Event]) -> None:
    """Mark the batch dispatched and store each event's search text, in one
    pipelined statement. The rows are locked by this transaction, so the attempt
    count read with them is current."""
    if not events:
        return
    fill_search_texts(events)
    now = timezone.now()
    for event in events:
        event.status = EventStatus.DISPATCHED
        event.dispatched_at = now
        event.dispatch_attempts += 1
    statements.update(events, ["status", "dispatched_at", "dispatch_attempts", "search_text"])
    events_dispatched.send(dispatch_pending, events=events)
