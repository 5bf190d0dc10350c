"""Duration: a length of time ("2 days", "90 minutes", "P2D")."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from engine.types.base import ValueType, type_registry

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}
_WORD_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*(?:,|and)?", re.IGNORECASE)
_ISO = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_MAX = timedelta(days=3650)
_MAX_SECONDS = _MAX.total_seconds()


@type_registry.register
class Duration(ValueType):
    """A length of time, read from words ("2 days", "1 hour 30 minutes", "90 min")
    or ISO 8601 ("P2D", "PT1H30M"). Months and years are refused: they have no
    fixed length. Negative and longer-than-ten-year durations are refused.
    Serialised as ISO 8601."""

    name = "Duration"
    label = "Duration"
    widget = "duration"
    placeholder = "2 days"
    help_text = 'e.g. "90 minutes", "2 days", "1 week" or ISO 8601 "P2D".'

    def parse(self, raw: object) -> timedelta:
        if isinstance(raw, timedelta):
            value = raw
            if value < timedelta(0):
                raise self.error(raw, "may not be negative")
            if value > _MAX:
                raise self.error(raw, "longer than ten years")
            return value
        if not isinstance(raw, str):
            raise self.error(raw, 'expected text such as "2 days" or "PT90M"')
        seconds = self._seconds(raw)
        # Checked on the number of seconds, before any date arithmetic: a duration
        # such as "99999999999 days" is refused here, never overflows later.
        if seconds > _MAX_SECONDS:
            raise self.error(raw, "longer than ten years")
        return timedelta(seconds=seconds)

    def _seconds(self, raw: str) -> float:
        """The length of `raw` in seconds (exact for whole numbers, Python ints)."""
        text = raw.strip()
        if not text or len(text) > 100:
            raise self.error(raw, 'expected text such as "2 days" or "PT90M"')
        if text[:1] in {"P", "p"}:
            match = _ISO.match(text)
            if not match or text.upper() in {"P", "PT"} or text.upper().endswith("T"):
                raise self.error(raw, "is not an ISO 8601 duration such as P2D or PT1H30M")
            parts = match.groupdict()
            if parts["years"] or parts["months"]:
                raise self.error(raw, "months and years have no fixed length; use days")
            whole = (int(parts["weeks"] or 0) * 604800 + int(parts["days"] or 0) * 86400
                     + int(parts["hours"] or 0) * 3600 + int(parts["minutes"] or 0) * 60)
            if whole > _MAX_SECONDS:
                return float("inf")
            return whole + float(parts["seconds"] or 0)
        total = 0.0
        position = 0
        while position < len(text):
            match = _WORD_PART.match(text, position)
            if not match or match.end() == position:
                raise self.error(raw, 'expected something like "2 days" or "1 hour 30 minutes"')
            amount, unit = match.groups()
            factor = _UNITS.get(unit.lower())
            if factor is None:
                raise self.error(raw, f'unknown unit "{unit}" (use seconds, minutes, hours, '
                                      "days or weeks)")
            total += float(amount) * factor
            position = match.end()
        return total

    def to_json(self, value: Any) -> Any:
        if value is None:
            return None
        days, rest = value.days, value.seconds
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        micro = value.microseconds
        text = "P"
        if days:
            text += f"{days}D"
        time = ""
        if hours:
            time += f"{hours}H"
        if minutes:
            time += f"{minutes}M"
        if micro:
            time += f"{secs}.{micro:06d}".rstrip("0") + "S"
        elif secs:
            time += f"{secs}S"
        if time:
            text += "T" + time
        return text if text != "P" else "PT0S"

    def to_display(self, value: Any) -> str:
        if value is None:
            return ""
        seconds = int(value.total_seconds())
        parts = []
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
            count, seconds = divmod(seconds, size)
            if count:
                parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
        return " ".join(parts) or "0 seconds"
