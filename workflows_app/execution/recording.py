"""Recording events durably, in the caller's transaction, and waking workers after commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows_app.execution.context import current_cause
from workflows_app.models import Event

MAX_SEARCH_TEXT = 4000


def fingerprint(*parts: Any) -> str:
    """A hash of an event's identity and content, for the dedupe window."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def search_text_for(*chunks: Any) -> str:
    """Lower-cased text that the runs list searches (numbers, names, e-mails...)."""
    words: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif value is not None and not isinstance(value, bool):
            words.append(str(value))

    for chunk in chunks:
        visit(chunk)
    return " ".join(words).lower()[:MAX_SEARCH_TEXT]


def record_event(*, trigger_type: str, payload: Mapping[str, Any], target: str = "",
                 workflow_id: int | None = None, summary: str = "",
                 record_model: str = "", record_pk: Any = "", actor_id: int | None = None,
                 dedupe_key: str | None = None, dedupe_content: Any = None,
                 occurred_at: Any = None, wake: bool = True) -> Event:
    """Write an event in the current transaction; wake a worker once it commits.

    A rolled-back transaction leaves no event and wakes nobody. The causal chain
    of the run making the change (if any) is attached for loop prevention.
    """
    cause = current_cause()
    content_hash = ""
    if dedupe_content is not None:
        content_hash = fingerprint(trigger_type, target, workflow_id, str(record_pk),
                                   dedupe_content)
    event = Event.objects.create(
        trigger_type=trigger_type,
        target=target,
        workflow_id=workflow_id,
        payload=dict(payload),
        summary=summary[:300],
        search_text=search_text_for(summary, payload),
        record_model=record_model,
        record_pk=str(record_pk) if record_pk not in (None, "") else "",
        fingerprint=content_hash,
        dedupe_key=dedupe_key,
        actor_id=actor_id,
        caused_by_run_id=cause.run_id if cause else None,
        chain=list(cause.chain) if cause else [],
        occurred_at=occurred_at or timezone.now(),
    )
    if wake:
        from workflows_app.execution.queue import wake_soon

        transaction.on_commit(wake_soon)
    return event
