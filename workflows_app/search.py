"""Searching runs and events by their trigger data — the one search of the admin's
runs and events lists, "why didn't it run?" and the API (`search_trigger_data`).

`Event.search_text` holds the event's summary, every value of its data and the
text of the records it points to, lower-cased, written by the worker when it
dispatches the event (a pending event has none yet), so a case-sensitive
`contains` on the lower-cased word is a case-insensitive search, and on
PostgreSQL the trigram index `event_search_trgm_idx` (migration 0005) answers it
(`search_text LIKE '%word%'`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from workflows_app.models import Event


def search_words(search_term: str) -> list[str]:
    """The words of a search box entry; "quoted phrases" stay one word."""
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        bit = bit.strip()
        if bit:
            words.append(bit)
    return words


def is_id_word(word: str) -> bool:
    """`#123` names a run's (or event's) id."""
    return word.startswith("#") and word[1:].isascii() and word[1:].isdigit() and len(word) <= 19


def trigger_data_search(words: list[str], *, prefix: str = "") -> tuple[Q, list[int]]:
    """(filter, ids): events whose data contains every word, and the ids named as
    `#123` among the words."""
    ids: list[int] = []
    query = Q()
    for word in words:
        if is_id_word(word):
            ids.append(int(word[1:]))
            continue
        query &= Q(**{f"{prefix}search_text__contains": word.lower()})
    return query, ids


def search_trigger_data(queryset: QuerySet[Any], search: str) -> QuerySet[Any]:
    """Runs or events whose trigger data contains every word of `search`; a word
    `#123` names the run's (or event's) id.

    Runs filter on a subquery of the matching events, which PostgreSQL's trigram
    index on `search_text` answers.
    """
    query, ids = trigger_data_search(search_words(search))
    for pk in ids:
        queryset = queryset.filter(pk=pk)
    if not query:
        return queryset
    if queryset.model is Event:
        return queryset.filter(query)
    return queryset.filter(event_id__in=Event.objects.filter(query).values("pk"))
