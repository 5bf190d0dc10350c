"""Search text for events, computed in the worker at dispatch (never in the request).

`Event.search_text` is the lower-cased summary and every value of the event's
data (webhook header values only where harmless: a secret is not searchable),
plus, for an event about a record, the text of the records its foreign keys
point to (their `str()` and text fields): an order's event holds its customer as
an id, and support staff search runs by the customer's e-mail or name. One query
per related model per batch; the dispatcher writes the texts in the same UPDATE
that marks the batch dispatched. Keeping it out of `record_event` keeps the text
walk and the trigram index's work off the saving request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db import models

from workflows_app.execution.redaction import redact_event_payload
from workflows_app.models import Event
from workflows_app.records import get_registration

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField)
MAX_SEARCH_TEXT = 4000


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


def _related_targets(event: Event) -> list[tuple[type[models.Model], Any]]:
    registration = get_registration(event.record_model) if event.record_model else None
    record = (event.payload or {}).get("record")
    if registration is None or not isinstance(record, dict):
        return []
    targets = []
    for name in registration.field_names:
        model_field = registration.model._meta.get_field(name)
        value = record.get(name)
        if (model_field.many_to_one or model_field.one_to_one) and value not in (None, ""):
            targets.append((model_field.related_model, value))
    return targets


def _text_of(instance: models.Model) -> str:
    parts = [str(instance)]
    for model_field in instance._meta.concrete_fields:
        if isinstance(model_field, TEXT_FIELDS) and not model_field.choices:
            value = getattr(instance, model_field.attname, None)
            if value:
                parts.append(str(value))
    return " ".join(parts)


def fill_search_texts(events: list[Event]) -> None:
    """Set each event's `search_text` (not saved: the caller writes it)."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    per_event: dict[int, list[tuple[type[models.Model], Any]]] = {}
    for event in events:
        targets = _related_targets(event)
        if targets:
            per_event[event.pk] = targets
            for model, pk in targets:
                wanted[model].add(pk)
    texts: dict[tuple[type[models.Model], str], str] = {}
    for model, pks in wanted.items():
        for instance in model._default_manager.filter(pk__in=pks):
            texts[(model, str(instance.pk))] = _text_of(instance)
    for event in events:
        related = " ".join(texts.get((model, str(pk)), "") for model, pk in per_event.get(
            event.pk, ()))
        event.search_text = search_text_for(event.summary, redact_event_payload(event.payload),
                                            related)
