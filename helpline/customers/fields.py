"""Reading and writing custom field values: one canonical text form per kind.

Every value is stored as text that compares the same way the value does where it matters
(equality for all kinds; ISO dates sort as dates), so one index serves every filter.
"""

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from helpline.customers.models import CustomField, CustomFieldKind

MAX_TEXT = 500


class InvalidValue(ValueError):
    pass


def canonical(field: CustomField, raw) -> str:
    """The stored form of `raw` (from a form or JSON) for the field; "" means no value."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raise InvalidValue(f"{field.label}: expected {_expected(field)}, not true or false")
    if field.kind == CustomFieldKind.NUMBER:
        return _number(field, raw)
    if not isinstance(raw, str):
        raise InvalidValue(f"{field.label}: expected {_expected(field)}")
    text = raw.strip()
    if not text:
        return ""
    if "\x00" in text:
        raise InvalidValue(f"{field.label}: contains a NUL character")
    if field.kind == CustomFieldKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidValue(f"{field.label}: expected a date like 2026-01-31") from None
    if field.kind == CustomFieldKind.CHOICE:
        for option in field.choices:
            if option.casefold() == text.casefold():
                return option
        raise InvalidValue(f"{field.label}: expected one of {', '.join(field.choices)}")
    if len(text) > MAX_TEXT:
        raise InvalidValue(f"{field.label}: at most {MAX_TEXT} characters")
    return text


def _number(field: CustomField, raw) -> str:
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidValue(f"{field.label}: expected a number")
    if isinstance(raw, int | float):
        raw = repr(raw)
    if not isinstance(raw, str):
        raise InvalidValue(f"{field.label}: expected a number")
    text = raw.strip().replace(" ", "")
    if not text:
        return ""
    if not text.isascii():  # Decimal() reads "１２" and "١٢" too
        raise InvalidValue(f"{field.label}: expected a number like 42 or 3.5")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(f"{field.label}: expected a number like 42 or 3.5") from None
    if not number.is_finite() or abs(number.adjusted()) > 30:
        raise InvalidValue(f"{field.label}: expected a number like 42 or 3.5")
    formatted = format(number.normalize(), "f")
    return "0" if formatted in ("-0", "0") else formatted


def _expected(field: CustomField) -> str:
    return {
        CustomFieldKind.NUMBER: "a number",
        CustomFieldKind.DATE: "a date like 2026-01-31",
        CustomFieldKind.CHOICE: "one of " + ", ".join(field.choices),
    }.get(field.kind, "text")


def typed(field: CustomField, stored: str):
    """The stored value as JSON has it: numbers as numbers, dates and the rest as text."""
    if field.kind == CustomFieldKind.NUMBER:
        number = Decimal(stored)
        return int(number) if number == number.to_integral_value() else float(number)
    return stored
