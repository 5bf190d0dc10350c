"""DateTime: a moment in time, always timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.types.base import ValueType, type_registry


@type_registry.register
class DateTime(ValueType):
    """A timezone-aware moment, read from ISO 8601 text (`2026-01-31T09:00:00+01:00`,
    a trailing `Z` for UTC) or an aware `datetime`.

    Text or datetimes without a timezone are refused: "9:00" means different
    moments in different offices. Comparisons are between moments, so
    `10:00+01:00` equals `09:00Z`.
    """

    name = "DateTime"
    label = "Date and time"
    widget = "datetime"
    placeholder = "2026-01-31T09:00:00+00:00"
    help_text = "A date and time with its timezone."

    def parse(self, raw: object) -> datetime:
        if isinstance(raw, datetime):
            moment = raw
        elif isinstance(raw, str):
            text = raw.strip()
            if not text or len(text) > 64:
                raise self.error(raw, "expected a date and time such as 2026-01-31T09:00:00Z")
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise self.error(
                    raw, "expected a date and time such as 2026-01-31T09:00:00Z"
                ) from None
        else:
            raise self.error(raw, "expected a date and time")
        if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
            raise self.error(raw, "has no timezone (add Z or an offset such as +01:00)")
        return moment

    def to_json(self, value: Any) -> Any:
        return None if value is None else value.isoformat()

    def to_display(self, value: Any) -> str:
        return "" if value is None else value.isoformat()

    def comparable(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return value
