"""The schedule picker: the common schedules in words, and their cron text.

Staff pick "Every day at 09:00", "Weekdays at 09:00", "Every 15 minutes" or
"Monthly on day 1 at 09:00"; the definition stores the cron expression
(`"cron"`, the contract), which stays editable as the advanced form.
`cron_for(pick)` writes the expression for a pick, `pick_for(cron)` reads an
expression back into the pick it came from (or "advanced"), and `next_runs`
lists the coming due times in the workflow's timezone.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from django.utils import timezone as django_timezone

#: Picker kinds, in the order the picker offers them.
KINDS = {
    "daily": "Every day at",
    "weekdays": "Weekdays (Monday to Friday) at",
    "minutes": "Every N minutes",
    "monthly": "Monthly, on day",
    "advanced": "Advanced (cron text)",
}
NEXT_RUNS = 5
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class PickError(ValueError):
    """A pick that makes no schedule; the message names the field in plain words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class SchedulePick:
    """One choice in the picker: `kind` (a key of `KINDS`) and what it needs."""

    kind: str = "daily"
    at: str = "09:00"
    minutes: int = 15
    day: int = 1
    cron: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hour_minute(at: str) -> tuple[int, int]:
    match = _TIME.match((at or "").strip())
    if not match:
        raise PickError("at", f"“{at}” is not a time of day; write it as 09:00 or 17:30")
    return int(match.group(1)), int(match.group(2))


def _number(raw: Any, field: str, low: int, high: int, what: str) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise PickError(field, f"“{raw}” is not a number of {what}") from None
    if not low <= value <= high:
        raise PickError(field, f"choose from {low} to {high} {what}")
    return value


def cron_for(pick: SchedulePick) -> str:
    """The cron expression for a pick (raises `PickError`)."""
    if pick.kind == "advanced":
        return pick.cron.strip()
    if pick.kind == "minutes":
        every = _number(pick.minutes, "minutes", 1, 59, "minutes")
        return "* * * * *" if every == 1 else f"*/{every} * * * *"
    hour, minute = _hour_minute(pick.at)
    if pick.kind == "daily":
        return f"{minute} {hour} * * *"
    if pick.kind == "weekdays":
        return f"{minute} {hour} * * 1-5"
    if pick.kind == "monthly":
        day = _number(pick.day, "day", 1, 31, "as the day of the month")
        return f"{minute} {hour} {day} * *"
    raise PickError("kind", f"“{pick.kind}” is not a kind of schedule")


_FORMS = [
    ("daily", re.compile(r"^(\d{1,2}) (\d{1,2}) \* \* \*$")),
    ("weekdays", re.compile(r"^(\d{1,2}) (\d{1,2}) \* \* (?:1-5|MON-FRI|mon-fri)$")),
    ("monthly", re.compile(r"^(\d{1,2}) (\d{1,2}) (\d{1,2}) \* \*$")),
    ("minutes", re.compile(r"^(?:\*/(\d{1,2})|\*) \* \* \* \*$")),
]


def pick_for(cron: str) -> SchedulePick:
    """The pick `cron` came from, or an "advanced" pick holding it."""
    text = " ".join((cron or "").split())
    for kind, pattern in _FORMS:
        match = pattern.match(text)
        if not match:
            continue
        pick = SchedulePick(kind=kind, cron=text)
        if kind == "minutes":
            pick.minutes = int(match.group(1) or 1)
        else:
            pick.at = f"{int(match.group(2)):02d}:{int(match.group(1)):02d}"
            if kind == "monthly":
                pick.day = int(match.group(3))
        try:
            if cron_for(pick) == text:
                return pick
        except PickError:
            pass
    return SchedulePick(kind="advanced", cron=text)


def zone(name: str | None) -> ZoneInfo:
    """The timezone `name` (UTC when empty); `ZoneInfoNotFoundError` if unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, TypeError) as exc:
        raise ZoneInfoNotFoundError(str(name)) from exc


def next_runs(cron: str, timezone: str | None, *, count: int = NEXT_RUNS,
              after: datetime | None = None) -> list[datetime]:
    """The next `count` due times of `cron` after `after` (now), in `timezone`."""
    tz = zone(timezone)
    start = (after or django_timezone.now()).astimezone(tz)
    times = croniter(cron, start)
    return [times.get_next(datetime) for _ in range(count)]


def run_text(moment: datetime) -> str:
    """ "Mon 1 Dec 2026, 09:00" — a due time as the picker lists it."""
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"
