"""Email: one e-mail address."""

from __future__ import annotations

import re

from engine.types.base import type_registry
from engine.types.string import String

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")


@type_registry.register
class Email(String):
    """An e-mail address such as `ops@example.com`.

    Surrounding spaces are stripped and the domain is lower-cased; comparisons
    ignore case (inherited from `String`). Offers the text operators but not the
    ordering ones.
    """

    name = "Email"
    label = "E-mail address"
    widget = "email"
    placeholder = "name@example.com"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str):
            raise self.error(raw, "expected an e-mail address")
        text = raw.strip()
        if len(text) > 254 or not _EMAIL_RE.match(text):
            raise self.error(raw, "expected an address such as name@example.com")
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
