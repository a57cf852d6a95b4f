"""Email addresses and header text as every edge accepts them: one rule for the whole system.

An address that enters Helpline (a customer's identity typed in the desk or the API, or read
from an inbound mail's From; a mailbox's address; the composer's To, Cc and Bcc) passes
`one_address`; a subject or display name that will become a header passes `one_line`. What
would break a header later, when the mail is sent, is refused or cleaned where it comes in.
"""

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Any C0 or C1 control character, DEL and the Unicode line and paragraph separators: in a
# header they would end it or start a new one.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_HEADER_LINE = 998  # RFC 5322's limit of a line, the most a subject can be


class InvalidAddress(ValueError):
    """Not one plain address; the text says why, in words for whoever typed it."""


def one_address(value: str) -> str:
    """One plain address (name@domain), stripped of surrounding spaces; else InvalidAddress.

    Checked twice, as the desk's forms check (Django's validator) and as the mail is
    written (the standard library's header parser), so nothing accepted fails to send.
    """
    value = value.strip()
    if not value:
        raise InvalidAddress("Give an email address.")
    if CONTROL.search(value):
        raise InvalidAddress(f"{shown(value)} contains a line break or another control character.")
    try:
        validate_email(value)
        address = Address(addr_spec=value)
    except (ValidationError, HeaderParseError, ValueError, IndexError):
        raise InvalidAddress(
            f"{shown(value)} is not one email address; write it as name@example.com."
        ) from None
    return address.addr_spec


def one_line(text: str, limit: int = MAX_HEADER_LINE) -> str:
    """Text made one line for a header: control characters and runs of spaces become one
    space."""
    return " ".join(CONTROL.sub(" ", text or "").split())[:limit]


def shown(value: str) -> str:
    """A value quoted in a message, its control characters made visible as '?'."""
    printable = CONTROL.sub("?", value)
    return f"“{printable[:80]}{'…' if len(printable) > 80 else ''}”"
