"""Scope pieces shared by triggers: the `event.*` every trigger provides."""

from __future__ import annotations

from engine import ScopeField
from engine.types import DateTime, Number, ObjectType, String, User

#: Scope root of what every trigger says about the event itself. A payload may hold
#: an object under this key to add fields to it (`event.scheduled_for`).
EVENT = "event"
#: The field of `event.*` that time-based triggers add: the time the event was due.
SCHEDULED_FOR = "scheduled_for"


def scheduled_for_field() -> ScopeField:
    """`event.scheduled_for`: when a time-based event fell due."""
    return ScopeField(SCHEDULED_FOR, DateTime(), "Scheduled for")


def event_scope_field(*extra: ScopeField) -> ScopeField:
    """`event.*`: what every trigger says about the event itself, plus `extra`."""
    return ScopeField(EVENT, ObjectType([
        ScopeField("id", Number(), "Event id"),
        ScopeField("type", String(), "Event type"),
        ScopeField("occurred_at", DateTime(), "Occurred at"),
        ScopeField("actor", User(), "Done by", help="The user who caused the event, if any."),
        *extra,
    ], type_name="Event"), "Event")
