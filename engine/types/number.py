"""Number: exact decimal arithmetic, never binary floating point."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from engine.types.base import ValueType, type_registry

#: At most this many digits before, and after, the decimal point. Without a bound a
#: short text such as "1e999999999" would be read and later written out in full.
MAX_DIGITS = 1000


@type_registry.register
class Number(ValueType):
    """A decimal number, compared exactly.

    Parsed values are `decimal.Decimal`. Floats are read through their shortest
    text form, so `0.1` becomes `Decimal("0.1")` (not 0.1000000000000000055...).
    Booleans, NaN, infinities and more than `MAX_DIGITS` digits before or after the
    point ("1e999999999") are refused. Numeric strings ("12.50") are read;
    anything else ("12abc") is an error.
    """

    name = "Number"
    label = "Number"
    widget = "number"
    placeholder = "e.g. 10000"

    def parse(self, raw: object) -> Decimal:
        if isinstance(raw, bool):
            raise self.error(raw, "expected a number, not true/false")
        if isinstance(raw, Decimal):
            number = raw
        elif isinstance(raw, int):
            number = Decimal(raw)
        elif isinstance(raw, float):
            number = Decimal(repr(raw))
        elif isinstance(raw, str):
            text = raw.strip().replace("_", "")
            if not text or len(text) > 100:
                raise self.error(raw, "expected a number such as 12 or 12.50")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise self.error(raw, "expected a number such as 12 or 12.50") from None
        else:
            raise self.error(raw, "expected a number")
        if not number.is_finite():
            raise self.error(raw, "must be a finite number")
        if number.adjusted() >= MAX_DIGITS or number.as_tuple().exponent < -MAX_DIGITS:
            raise self.error(raw, f"has more than {MAX_DIGITS} digits before or after the "
                                  "decimal point")
        return number

    def to_json(self, value: Any) -> Any:
        if value is None:
            return None
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        return str(value)

    def to_display(self, value: Any) -> str:
        if value is None:
            return ""
        # Step outputs and snapshots hold JSON (200, "12.50"): format them as numbers,
        # never as format(200, "f") == "200.000000".
        return format(value if isinstance(value, Decimal) else self.parse(value), "f")
