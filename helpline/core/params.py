"""Values from a request (query strings, form fields, webhooks), parsed strictly in one place.

`str.isdigit()` is true of "²", "１" and "١٢", and `int()` reads the last two as 1 and 12:
an id checked one way and read the other named another row, or failed with a 500. Here an
id is ASCII digits only, and bounded to what the database holds; a moment is ISO 8601 and
lies within its window (helpline.core.windows). A value refused raises InvalidParameter,
an ActionError naming the field (the API answers 400 with it) that is also Django's
BadRequest (a desk page answers 400, helpline.desk.views.errors).
"""

import re
from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import BadRequest

from helpline.core import windows
from helpline.core.errors import ActionError

# The largest primary key a bigint holds (PostgreSQL's bigserial, SQLite's INTEGER).
MAX_ID = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
# ISO 8601 as datetime.fromisoformat reads it, in ASCII only and no longer than one can be.
_MOMENT = re.compile(r"[0-9T:.+\-Z ]{4,40}", re.ASCII)


class InvalidParameter(ActionError, BadRequest):
    """A request parameter that is not what it must be; `field` names it."""


def parse_id(value: str | None, field: str) -> int:
    """A row's id: 1 to MAX_ID in ASCII digits, nothing else (no sign, space or "_")."""
    text = value if isinstance(value, str) else ""
    if not _ID.fullmatch(text) or not 0 < int(text) <= MAX_ID:
        raise InvalidParameter("not an id (a whole number like 12)", field)
    return int(text)


def optional_id(value: str | None, field: str) -> int | None:
    """None for a missing or empty value, else parse_id."""
    return None if value is None or value == "" else parse_id(value, field)


def is_id(value: str | None) -> bool:
    """Whether parse_id would accept `value`."""
    try:
        parse_id(value, "")
    except InvalidParameter:
        return False
    return True


def parse_int(value: str | None, field: str, *, low: int, high: int) -> int:
    """A whole number from `low` to `high`, in ASCII digits with an optional minus sign; spaces
    around it are forgiven (a number typed in a form)."""
    text = value.strip() if isinstance(value, str) else ""
    if not _INTEGER.fullmatch(text):
        raise InvalidParameter("a whole number, like 12", field)
    number = int(text)
    if not low <= number <= high:
        raise InvalidParameter(f"from {low} to {high}", field)
    return number


def parse_moment(
    value: str | None,
    field: str,
    check: Callable[[datetime, str], datetime] = windows.check_filter,
    *,
    aware: bool = True,
) -> datetime:
    """An ISO 8601 moment (2026-01-05T10:00:00Z), with its time zone unless `aware` is False,
    checked by `check` (a window of helpline.core.windows: by default, one that filters a
    list)."""
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not _MOMENT.fullmatch(text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(
            "a date and time like 2026-01-05T10:00:00Z" if aware else "a date and time", field
        ) from None
    if aware and moment.tzinfo is None:
        raise InvalidParameter("a date and time with its time zone, like 2026-01-05T10:00Z", field)
    try:
        return check(moment, field)
    except InvalidParameter:
        raise
    except ActionError as error:
        raise InvalidParameter(str(error), field) from None


def optional_moment(value: str | None, field: str, **kwargs) -> datetime | None:
    """None for a missing or empty value, else parse_moment."""
    return None if value is None or value == "" else parse_moment(value, field, **kwargs)
