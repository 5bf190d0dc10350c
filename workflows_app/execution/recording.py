"""Recording events durably, in the caller's transaction, and waking workers after commit."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows_app.execution import statements
from workflows_app.execution.context import Cause, current_cause
from workflows_app.execution.wakeups import wake_soon, wake_soon_unless_running
from workflows_app.models import Event
from workflows_app.tenancy.events import UNSET, event_tenant

_deferred: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar(
    "workflows_deferred_events", default=None)


@contextlib.contextmanager
def deferred_inserts() -> Iterator[None]:
    """Events recorded inside the block are inserted together when it ends (one
    round trip), in the same transaction. For a worker running many database
    steps in one transaction; `record_event` then returns events without a
    primary key."""
    events: list[Event] = []
    token = _deferred.set(events)
    try:
        yield
        statements.insert_many(events)
    finally:
        _deferred.reset(token)


def fingerprint(*parts: Any) -> str:
    """A hash of an event's identity and content, for the dedupe window."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record_event(*, trigger_type: str, payload: Mapping[str, Any], target: str = "",
                 workflow_id: int | None = None, summary: str = "",
                 record_model: str = "", record_pk: Any = "", actor_id: int | None = None,
                 dedupe_key: str | None = None, dedupe_content: Any = None,
                 occurred_at: Any = None, cause: Cause | None = None,
                 wake: bool = True, tenant: Any = UNSET, workflow: Any = None) -> Event:
    """Write an event in the current transaction; wake a worker once it commits.

    A rolled-back transaction leaves no event and wakes nobody. The causal chain
    of `cause`, or else of the run making the change in this thread (if any), is
    attached for loop prevention. With tenancy on, the event belongs to `tenant`,
    or else to the tenant `tenancy.events.event_tenant` finds (the workflow's
    (`workflow`: the `Workflow` of `workflow_id`, when the caller has it), the
    acting tenant, the cause's). The event's search text is left to the worker
    (`search_text.fill_search_texts` at dispatch): nothing is spent on it in the
    saving request.
    """
    ambient = current_cause()  # set while a step of a run in this process runs
    cause = cause or ambient
    content_hash = ""
    if dedupe_content is not None:
        content_hash = fingerprint(trigger_type, target, workflow_id, str(record_pk),
                                   dedupe_content)
    tenant_id = event_tenant(tenant=tenant, workflow=workflow or workflow_id,
                             cause_workflow_id=cause.chain[-1] if cause and cause.chain
                             else None)
    event = Event(
        tenant_id=tenant_id,
        trigger_type=trigger_type,
        target=target,
        workflow_id=workflow_id,
        payload=dict(payload),
        summary=summary[:300],
        search_text="",
        record_model=record_model,
        record_pk=str(record_pk) if record_pk not in (None, "") else "",
        fingerprint=content_hash,
        dedupe_key=dedupe_key,
        actor_id=actor_id,
        caused_by_run_id=cause.run_id if cause else None,
        chain=list(cause.chain) if cause else [],
        occurred_at=occurred_at or timezone.now(),
    )
    deferred = _deferred.get()
    if deferred is not None:
        deferred.append(event)
    else:
        statements.insert(event)  # the ORM's save() costs twice as much here
    if wake:
        # Recorded by a run's step: the worker running it dispatches it (no
        # wake-up, unless that worker's session has ended by the commit).
        transaction.on_commit(wake_soon if ambient is None else wake_soon_unless_running)
    return event
