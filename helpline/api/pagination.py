"""Cursor (keyset) pagination: the cursor is the last row's sort key, never an offset.

A page is `WHERE (sort key) after (cursor) ORDER BY sort key LIMIT n+1`, which
an index on the sort key answers directly however deep the page, and which
neither repeats nor skips rows when new ones are inserted meanwhile.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q
from ninja import Field, Schema

from helpline.api.errors import FieldError
from helpline.core import windows
from helpline.core.errors import ActionError

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class PageParams(Schema):
    cursor: str | None = Field(
        None, max_length=1000, description="`next_cursor` of the previous page"
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@dataclass(frozen=True)
class Key:
    """One column of a sort key."""

    field: str
    descending: bool = False
    nullable: bool = False  # NULLs sort last in both directions, on every database
    datetime: bool = False


@dataclass(frozen=True)
class Ordering:
    name: str
    keys: tuple[Key, ...]  # the last one must be unique (the primary key)

    def order_by(self):
        # NULLS LAST only where needed: an index without it serves the plain order.
        nulls_last = {True: True, False: None}
        return [
            F(k.field).desc(nulls_last=nulls_last[k.nullable])
            if k.descending
            else F(k.field).asc(nulls_last=nulls_last[k.nullable])
            for k in self.keys
        ]

    def values_of(self, row) -> list:
        return [getattr(row, k.field) for k in self.keys]

    def after(self, values: list) -> Q:
        """Rows that come after `values` in this order."""
        return _after(self.keys, values)


def _after(keys: tuple[Key, ...], values: list) -> Q:
    """`a <= x AND (a < x OR <rest after>)`: the first column bounds an index range scan."""
    key, value, rest = keys[0], values[0], keys[1:]
    if value is None:  # past the non-NULL rows: only NULLs that come later by the rest
        if not rest:
            return Q(pk__in=[])
        return Q(**{f"{key.field}__isnull": True}) & _after(rest, values[1:])
    strictly, loosely = ("lt", "lte") if key.descending else ("gt", "gte")
    condition = Q(**{f"{key.field}__{strictly}": value})
    if rest:
        condition = Q(**{f"{key.field}__{loosely}": value}) & (condition | _after(rest, values[1:]))
    if key.nullable:
        condition |= Q(**{f"{key.field}__isnull": True})
    return condition


def encode_cursor(ordering: Ordering, values: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps([ordering.name, plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(ordering: Ordering, cursor: str) -> list:
    invalid = FieldError("cursor", "not a cursor of this list; use next_cursor as given")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, plain = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise invalid from None
    if name != ordering.name or not isinstance(plain, list) or len(plain) != len(ordering.keys):
        raise invalid
    values = []
    for key, value in zip(ordering.keys, plain, strict=True):
        if value is None and key.nullable:
            values.append(None)
        elif key.datetime and isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise invalid from None
            if moment.tzinfo is None:
                raise invalid
            try:  # one this API made is recent; an edited one must not overflow in UTC
                values.append(windows.check_filter(moment, "cursor"))
            except ActionError:
                raise invalid from None
        elif not key.datetime and type(value) is int and abs(value) < 2**63:
            values.append(value)
        else:
            raise invalid
    return values


def paginate(queryset, ordering: Ordering, page: PageParams) -> dict:
    """One page of `queryset` as {"items": [...], "next_cursor": str | None}."""
    queryset = queryset.order_by(*ordering.order_by())
    if page.cursor:
        queryset = queryset.filter(ordering.after(decode_cursor(ordering, page.cursor)))
    rows = list(queryset[: page.limit + 1])
    items, more = rows[: page.limit], len(rows) > page.limit
    next_cursor = encode_cursor(ordering, ordering.values_of(items[-1])) if more else None
    return {"items": items, "next_cursor": next_cursor}
