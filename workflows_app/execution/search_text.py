"""Richer search text for events, computed in the worker (never in the request).

An order's event holds its customer as an id; support staff search runs by the
customer's e-mail or name. At dispatch, each event about a record gets the text
of the records its foreign keys point to (their `str()` and text fields) added to
`search_text`: one query per related model per batch, one update per batch.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models

from workflows_app.execution.recording import MAX_SEARCH_TEXT
from workflows_app.models import Event
from workflows_app.records import get_registration

TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField)


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


def enrich_search_texts(events: list[Event]) -> None:
    """Add the text of each event's related records to its `search_text`."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    per_event: dict[int, list[tuple[type[models.Model], Any]]] = {}
    for event in events:
        targets = _related_targets(event)
        if targets:
            per_event[event.pk] = targets
            for model, pk in targets:
                wanted[model].add(pk)
    if not per_event:
        return
    texts: dict[tuple[type[models.Model], str], str] = {}
    for model, pks in wanted.items():
        for instance in model._default_manager.filter(pk__in=pks):
            texts[(model, str(instance.pk))] = _text_of(instance)
    changed = []
    for event in events:
        extra = " ".join(texts.get((model, str(pk)), "") for model, pk in per_event.get(
            event.pk, ()))
        if extra.strip():
            event.search_text = f"{event.search_text} {extra.lower()}"[:MAX_SEARCH_TEXT]
            changed.append(event)
    if changed:
        Event.objects.bulk_update(changed, ["search_text"])
