"""Phone: a telephone number in E.164 form."""

from __future__ import annotations

import re

from engine.types.base import type_registry
from engine.types.string import String

_SEPARATORS = re.compile(r"[\s().-]")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


@type_registry.register
class Phone(String):
    """A phone number in international E.164 form, e.g. `+442071838750`.

    Spaces, dots, dashes and parentheses are removed; a leading `00` is read as
    `+`. The result must be `+`, a country code and 8 to 15 digits in all.
    """

    name = "Phone"
    label = "Phone number"
    widget = "tel"
    placeholder = "+44 20 7183 8750"
    help_text = "International format, starting with + and the country code."

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise self.error(raw, "expected a phone number in international form")
        compact = _SEPARATORS.sub("", raw.strip())
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        if not compact.startswith("+"):
            raise self.error(raw, "must start with + and the country code")
        if not _E164.match(compact):
            digits = sum(ch.isdigit() for ch in compact)
            if not compact[1:].isdigit():
                reason = "may only contain digits after the +"
            elif digits < 8:
                reason = f"has {digits} digits; an E.164 number has 8 to 15"
            elif digits > 15:
                reason = f"has {digits} digits; an E.164 number has at most 15"
            else:
                reason = "country codes do not start with 0"
            raise self.error(raw, reason)
        return compact
