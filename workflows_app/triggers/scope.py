"""Scope pieces shared by triggers: the `event.*` every trigger provides, and a
Choice whose options are computed when asked (registered models, events)."""

from __future__ import annotations

from typing import Any

from engine import ScopeField
from engine.types import Choice, DateTime, Number, ObjectType, String, User

#: Scope root of what every trigger says about the event itself. A payload may hold
#: an object under this key to add fields to it (`event.scheduled_for`).
EVENT = "event"


def event_scope_field(*extra: ScopeField) -> ScopeField:
    """`event.*`: what every trigger says about the event itself, plus `extra`."""
    return ScopeField(EVENT, ObjectType([
        ScopeField("id", Number(), "Event id"),
        ScopeField("type", String(), "Event type"),
        ScopeField("occurred_at", DateTime(), "Occurred at"),
        ScopeField("actor", User(), "Done by", help="The user who caused the event, if any."),
        *extra,
    ], type_name="Event"), "Event")


class DynamicChoice(Choice):
    """A Choice whose options are computed when asked (registered models, events)."""

    def __init__(self, options_source: Any, label: str = "Choice") -> None:
        super().__init__(())
        self._source = options_source
        self._dynamic_label = label

    def _refresh(self) -> None:
        options = list(self._source())
        self._options = options
        self._values = [value for value, _ in options]

    @property
    def spec(self) -> str:
        return "Choice"

    def parse(self, raw: object) -> Any:
        self._refresh()
        return super().parse(raw)

    def options(self) -> list[tuple[Any, str]]:
        self._refresh()
        return super().options()
