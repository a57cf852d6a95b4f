"""Full-text search across conversations (subject, message text) and customers.

Vendor-neutral: the SQL lives in `backends`. Query syntax, the same on both
databases: words (all must match, in the subject or in one message), "quoted
phrases", and the last word is a prefix while the user is typing ("kett" finds
"kettle"; a trailing space ends the prefix). No operators: OR, -, *, :, ( are
plain text, so no input can break the query. Words are compared without case
and without accents; there is no stemming (the data is in many languages), so
"order" does not find "orders" unless typed as a prefix.
"""

import contextlib
import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q

from helpline.conversations.models import Conversation
from helpline.core.models import Location, User
from helpline.core.params import parse_id
from helpline.customers.identities import (
    MIN_LAST_DIGITS,
    InvalidIdentity,
    ending_with,
    normalise_phone,
)
from helpline.customers.models import Customer, CustomValue, Identity, IdentityKind
from helpline.search import backends
from helpline.search.backends import START, STOP, Terms

MAX_QUERY_CHARS = 500
MAX_TERMS = 16
# PostgreSQL ranks this many of the most recent matching messages (and subjects),
# not every match: finding is cheap with the GIN index, ranking re-parses text.
CANDIDATES = 200
# A shorter prefix matches too many words to be useful, and is slow on a big index.
MIN_PREFIX = 3
FILTERS = ("status", "channel", "priority", "location", "team", "customer", "assignee", "tag")


@dataclass(frozen=True)
class Hit:
    conversation: Conversation
    snippet: str  # safe HTML: escaped text with <mark> around the matched words
    rank: float
    message_id: int | None  # the best matching message; None when only the subject matched
    cursor: str  # pass as `after` for the next page


@dataclass(frozen=True)
class CustomerHit:
    customer: Customer
    matched: str  # "phone", "email", "field" (a custom field value) or "name"
    snippet: str  # safe HTML of the matched value


def search_conversations(
    user: User, query: str, *, filters=None, limit: int = 20, after: str | None = None
) -> list[Hit]:
    """Conversations the user may see whose subject or a message matches, best first."""
    terms = parse(query)
    if not terms or limit < 1:
        return []
    conversations = filter_conversations(Conversation.objects.visible_to(user), user, filters)
    try:
        visible = _subquery(conversations)
    except EmptyResultSet:  # e.g. an agent who serves no location yet
        return []
    backend = backends.get(connection)
    with connection.cursor() as cursor:
        rows = backend.conversation_matches(
            cursor,
            terms,
            visible,
            candidates=max(CANDIDATES, limit),
            after=parse_cursor(after),
            limit=limit,
        )
        message_ids = [message_id for _, message_id, _ in rows if message_id is not None]
        subject_only = [pk for pk, message_id, _ in rows if message_id is None]
        snippets = backend.message_snippets(cursor, terms, message_ids)
        subjects = backend.subject_highlights(cursor, terms, subject_only)
    found = Conversation.objects.select_related("customer", "location", "team", "assignee").in_bulk(
        [pk for pk, _, _ in rows]
    )
    hits = []
    for pk, message_id, rank in rows:
        if pk not in found:
            continue  # deleted in between
        marked = snippets.get(message_id) if message_id else subjects.get(pk)
        hits.append(
            Hit(
                conversation=found[pk],
                snippet=mark(marked or ""),
                rank=float(rank),
                message_id=message_id,
                cursor=f"{float(rank)!r}:{pk}",
            )
        )
    return hits


def search_customers(user: User, query: str, limit: int = 20) -> list[CustomerHit]:
    """Customers the user may see, by phone number (any format), email address or name."""
    query = query[:MAX_QUERY_CHARS].strip()
    if not query or limit < 1:
        return []
    visible = Customer.objects.visible_to(user).filter(merged_into__isnull=True)
    hits: dict[int, CustomerHit] = {}
    identities = _phone_identities(user, query) + _email_identities(query)
    if identities:
        matched = (
            Identity.objects.filter(customer__in=visible)
            .select_related("customer")
            .order_by("kind", "value")
        )
        matched = matched.filter(_any_of(identities))[:limit]
        for identity in matched:
            hits.setdefault(
                identity.customer_id,
                CustomerHit(identity.customer, identity.kind, _mark_all(identity.value)),
            )
    digits = _last_digits(query)
    if digits and len(hits) < limit:
        ending = (
            Identity.objects.filter(ending_with(digits), customer__in=visible)
            .select_related("customer")
            .order_by("digits_reversed", "id")[:limit]
        )
        for identity in ending:
            if len(hits) < limit:
                marked = _mark_ending(identity.value, len(digits))
                hits.setdefault(
                    identity.customer_id, CustomerHit(identity.customer, "phone", marked)
                )
    custom = _custom_value_matches(visible, query, limit - len(hits))
    for customer, label, value in custom:
        snippet = f"{html.escape(label)}: {_mark_all(value)}"
        hits.setdefault(customer.pk, CustomerHit(customer, "field", snippet))
    terms = parse(query)
    if terms and len(hits) < limit:
        try:
            visible_sql = _subquery(visible)
        except EmptyResultSet:  # e.g. an agent who serves no location yet
            return list(hits.values())
        with connection.cursor() as cursor:
            rows = backends.get(connection).customer_matches(
                cursor, terms, visible_sql, limit=limit
            )
        customers = Customer.objects.select_related("location").in_bulk([r[0] for r in rows])
        for pk, _, name in rows:
            if pk in customers and pk not in hits and len(hits) < limit:
                hits[pk] = CustomerHit(customers[pk], "name", mark(name or ""))
    return list(hits.values())


def filter_conversations(conversations, user: User, filters):
    """The API's conversation-list filters; `filters` is a mapping or an object with attributes."""
    if filters is None:
        return conversations
    if hasattr(filters, "model_dump"):
        filters = filters.model_dump()
    if isinstance(filters, Mapping):
        unknown = {name for name, value in filters.items() if value is not None} - {
            *FILTERS,
            "order",
            "updated_since",
        }
        if unknown:
            raise ValueError(f"unknown filters: {', '.join(sorted(unknown))}")
        given = {name: filters.get(name) for name in FILTERS}
    else:
        given = {name: getattr(filters, name, None) for name in FILTERS}
    for name in ("status", "channel", "priority"):
        if given[name] is not None:
            conversations = conversations.filter(**{name: given[name]})
    for name in ("location", "team", "customer"):
        if given[name] is not None:
            conversations = conversations.filter(**{f"{name}_id": given[name]})
    assignee = given["assignee"]
    if assignee == "me":
        conversations = conversations.filter(assignee_id=user.pk)
    elif assignee == "none":
        conversations = conversations.filter(assignee__isnull=True)
    elif assignee is not None:
        conversations = conversations.filter(assignee_id=parse_id(str(assignee), "assignee"))
    if given["tag"] is not None:
        conversations = conversations.filter(tags__name=given["tag"].strip().lower())
    updated_since = filters.get("updated_since") if isinstance(filters, Mapping) else None
    if updated_since is not None:
        conversations = conversations.filter(updated_at__gte=updated_since)
    return conversations


# The query language ----------------------------------------------------------

_UNSAFE = re.compile(r"['\\\x00-\x1f\x7f\ue000\ue001]+")  # never reach the database's parser
_WORDLIKE = re.compile(r"[^\W_]")


def parse(query: str) -> Terms:
    """Words and "phrases" in order; the last bare word becomes a prefix unless a space follows."""
    query = (query or "")[:MAX_QUERY_CHARS]
    pieces: list[tuple[str, bool]] = []  # (text, is a phrase)
    for i, chunk in enumerate(query.split('"')):
        chunk = " ".join(_UNSAFE.sub(" ", chunk).split())
        if i % 2:  # inside quotes (an unclosed quote runs to the end)
            if _WORDLIKE.search(chunk):
                pieces.append((chunk, True))
        else:
            pieces += [(word, False) for word in chunk.split() if _WORDLIKE.search(word)]
    pieces = pieces[:MAX_TERMS]
    terms = Terms(phrases=[text for text, _ in pieces])
    typing = query and not query[-1].isspace() and not query.rstrip().endswith('"')
    if pieces and typing and not pieces[-1][1] and len(pieces[-1][0]) >= MIN_PREFIX:
        terms.prefix = terms.phrases.pop()
    return terms


# Helpers -------------------------------------------------------------------


def mark(marked: str) -> str:
    """Escape text that carries START/STOP sentinels, then turn them into <mark>."""
    escaped = html.escape(marked)
    escaped = re.sub(f"{START}([^{START}{STOP}]*){STOP}", r"<mark>\1</mark>", escaped)
    return escaped.replace(START, "").replace(STOP, "")


def _mark_all(value: str) -> str:
    return f"<mark>{html.escape(value)}</mark>"


def _subquery(queryset) -> tuple[str, tuple] | None:
    """(sql, params) selecting the ids of `queryset`, or None when it does not narrow anything."""
    if not queryset.query.where:
        return None
    return queryset.order_by().values("id").query.sql_with_params()


# A hit's cursor as made above: repr() of a finite float, ":", an id; ASCII only (float() and
# int() would read other digits too).
_CURSOR = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?(?:e[-+][0-9]+)?):([1-9][0-9]{0,18})", re.ASCII)


def parse_cursor(after: str | None) -> tuple[float, int] | None:
    """(rank, id) of a cursor a search gave (None for none); ValueError for anything else."""
    if not after:
        return None
    match = _CURSOR.fullmatch(after)
    if match is None or not math.isfinite(float(match[1])) or int(match[2]) >= 2**63:
        raise ValueError(f"not a search cursor: {after[:100]!r}")
    return float(match[1]), int(match[2])


_PHONEISH = re.compile(r"^\+?[\d\s().\-/]+$")


def _phone_identities(user: User, query: str) -> list[tuple[str, str]]:
    """E.164 forms the query may mean, trying the user's locations' countries for national ones."""
    digits = re.sub(r"\D", "", query)
    if not _PHONEISH.match(query) or len(digits) < 6:
        return []
    if user.sees_everything:
        countries = Location.objects.exclude(country="").values_list("country", flat=True)
    else:
        countries = user.locations.exclude(country="").values_list("country", flat=True)
    regions = ["", *sorted(set(countries))]
    forms = {query} if query.startswith("+") else {query, f"+{digits}"}
    numbers = set()
    for form in forms:
        for region in regions:
            with contextlib.suppress(InvalidIdentity):
                numbers.add(normalise_phone(form, region))
    return [(IdentityKind.PHONE, number) for number in sorted(numbers)]


def _last_digits(query: str) -> str:
    """The digits of a query that may be the end of a number ("4471", "946 4471")."""
    digits = re.sub(r"\D", "", query)
    if not _PHONEISH.match(query) or query.startswith("+") or len(digits) < MIN_LAST_DIGITS:
        return ""
    return digits


def _mark_ending(number: str, count: int) -> str:
    """The number with its last `count` digits marked."""
    cut = len(number)
    while count and cut:
        cut -= 1
        count -= number[cut].isdigit()
    return html.escape(number[:cut]) + "<mark>" + html.escape(number[cut:]) + "</mark>"


def _custom_value_matches(visible, query: str, limit: int):
    """Customers with a custom field value that is the query, looked up in the value index:
    the exact text in its usual capitalisations ("gold" finds "Gold"), not a part of it."""
    if limit < 1 or len(query) > 500 or "\x00" in query:  # PostgreSQL text holds no NUL
        return []
    forms = {query, query.lower(), query.upper(), query.capitalize(), query.title()}
    rows = (
        CustomValue.objects.filter(customer__in=visible, value__in=forms)
        .select_related("customer", "field")
        .order_by("-customer_id")[:limit]
    )
    return [(row.customer, row.field.label, row.value) for row in rows]


def _email_identities(query: str) -> list[tuple[str, str]]:
    """The address, or the start of one while it is being typed ("maria@exa")."""
    if " " in query or "@" not in query or "\x00" in query:
        return []
    return [(IdentityKind.EMAIL, query.lower())]


def _any_of(identities) -> Q:
    condition = Q(pk__in=[])
    for kind, value in identities:
        if kind == IdentityKind.EMAIL:
            condition |= Q(kind=kind, value__startswith=value)
        else:
            condition |= Q(kind=kind, value=value)
    return condition
