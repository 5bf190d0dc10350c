"""Phone numbers for SMS and WhatsApp, checked and written in E.164 with `phonenumbers`."""

from __future__ import annotations

import phonenumbers

from engine.errors import ValueParseError
from engine.types import Phone, String, ValueType
from engine.types.base import describe_raw


class DialablePhone(Phone):
    """A phone number that can receive messages: `phonenumbers` checks that it is a
    valid number for its country and writes it as E.164 (`+442071838750`).

    A literal is checked when the workflow is saved; a reference (a customer's
    phone field) when the step runs, failing the step with the reason.
    """

    name = "DialablePhone"
    label = "Phone number"

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise ValueParseError(f"{describe_raw(raw)} is not a phone number")
        text = raw.strip()
        if text.startswith("00"):
            text = "+" + text[2:]
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            raise ValueParseError(f"{describe_raw(raw)} is not a phone number in "
                                  "international form (+ and the country code)") from None
        if not phonenumbers.is_valid_number(number):
            raise ValueParseError(f"{describe_raw(raw)} is not a valid phone number for "
                                  "its country")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def accepts(self, other: ValueType) -> bool:
        return isinstance(other, String)  # a phone or text field, checked when sent

    @property
    def spec(self) -> str:
        return "Phone"
