"""Normalising identity values so that one address or number is one identity."""

import phonenumbers
from django.db.models import Q

from helpline.core.addresses import InvalidAddress, one_address
from helpline.customers.models import IdentityKind


class InvalidIdentity(ValueError):
    """A value that is no address or number, said in plain words for whoever typed it."""


EXAMPLE_NUMBER = "+44 20 7183 8750"
# The phone library's reasons, in words; its own texts ("(1) The string supplied did not
# seem…") are for programmers and never shown.
PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "start it with + and the country code, e.g. " + EXAMPLE_NUMBER
    ),
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "it is too short",
    phonenumbers.NumberParseException.TOO_LONG: "it is too long",
}
UNKNOWN_COUNTRY = "the country code after the + is not one we know"
LENGTH_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: UNKNOWN_COUNTRY,
    phonenumbers.ValidationResult.TOO_SHORT: "it is too short",
    phonenumbers.ValidationResult.TOO_LONG: "it is too long",
}
DIGITS_REASON = "type the digits, with the country code for a number abroad, e.g. " + EXAMPLE_NUMBER


def normalise_email(value: str) -> str:
    """One plain address, lower case: the rule of every address that enters
    (core.addresses), so that no reply to it can fail on its header."""
    try:
        return one_address(value).lower()
    except InvalidAddress as exc:
        raise InvalidIdentity(str(exc)) from None


def normalise_phone(value: str, region: str = "") -> str:
    """E.164, e.g. '+442071838750'. `region` is the default country for national numbers."""
    shown = value.strip()
    try:
        number = phonenumbers.parse(value, region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        reason = PARSE_REASONS.get(exc.error_type, DIGITS_REASON)
        if exc.error_type == exc.INVALID_COUNTRY_CODE and shown.startswith("+"):
            reason = UNKNOWN_COUNTRY
        raise InvalidIdentity(f"“{shown}” is not a phone number: {reason}") from exc
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible not in (
        phonenumbers.ValidationResult.IS_POSSIBLE,
        phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ):
        reason = LENGTH_REASONS.get(possible, DIGITS_REASON)
        raise InvalidIdentity(f"“{shown}” is not a phone number: {reason}")
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
