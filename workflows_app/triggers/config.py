"""Config pieces shared by triggers: choices computed when asked (registered
models, declared events, workflows, date fields) and the timezone setting."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine import Param
from engine.types import Choice, String


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


class SuggestedChoice(DynamicChoice):
    """Options to pick from (the builder shows them), but any non-empty text is read
    back: the trigger checks it against its other settings (a field of the chosen
    model) or at save time (a workflow's name), with a message that says more than
    "not one of the options"."""

    max_length = 200

    def parse(self, raw: object) -> Any:
        if not isinstance(raw, str) or not raw.strip():
            raise self.error(raw, f"expected the name of a {self._dynamic_label.lower()}")
        if len(raw) > self.max_length:
            raise self.error(raw, f"at most {self.max_length} characters")
        return raw.strip()


def timezone_problem(name: object) -> str | None:
    """Why `name` is not a timezone name such as "Europe/London", or None."""
    if not isinstance(name, str) or not name:
        return 'expected a timezone name such as "Europe/London"'
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f'"{name}" is not a known timezone (e.g. "UTC", "Europe/Paris")'
    return None


def timezone_param(help_text: str = 'e.g. "Europe/London"; defaults to UTC.') -> Param:
    """The optional `timezone` setting (UTC by default), with the timezone picker."""
    return Param("timezone", String(), "Timezone", required=False, default="UTC",
                 help=help_text, extra={"widget": "timezone"})



