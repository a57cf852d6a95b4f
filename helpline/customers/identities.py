"""Normalising identity values so that one address or number is one identity."""

import phonenumbers
from django.db.models import Q

from helpline.customers.models import IdentityKind


class InvalidIdentity(ValueError):
    pass


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if "@" not in value or value.startswith("@") or value.endswith("@"):
        raise InvalidIdentity(f"not an email address: {value!r}")
    return value


def normalise_phone(value: str, region: str = "") -> str:
    """E.164, e.g. '+442071838750'. `region` is the default country for national numbers."""
    try:
        number = phonenumbers.parse(value, region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"not a phone number: {value!r} ({exc})") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentity(f"not a possible phone number: {value!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(kind: str, value: str, region: str = "") -> str:
    if kind == IdentityKind.EMAIL:
        return normalise_email(value)
    if kind == IdentityKind.PHONE:
        return normalise_phone(value, region)
    value = value.strip()
    if not value:
        raise InvalidIdentity("empty identity")
    return value


MIN_LAST_DIGITS = 4


def ending_with(digits: str) -> Q:
    """Phone identities whose number ends with `digits`, as a range of the indexed
    `digits_reversed` (a LIKE prefix would not use the index on SQLite)."""
    if not digits.isdigit():  # "" would be every phone
        raise ValueError(f"not digits: {digits!r}")
    key = digits[::-1]
    # No kind= here: only phones have the key, and with it the planner would pick the
    # (kind, value) index and read every phone number.
    condition = Q(digits_reversed__gte=key)
    # The smallest digit string after every one that starts with `key`: "1749" → "175".
    stem = key.rstrip("9")
    if stem:
        condition &= Q(digits_reversed__lt=stem[:-1] + str(int(stem[-1]) + 1))
    return condition
