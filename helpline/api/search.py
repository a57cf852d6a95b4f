"""/api/search: full-text search of conversations and customers, through helpline.search.

What an agent may see, the query language and the ranking all come from the search
module; this router validates the request, names the field to blame, and loads what
the results show in a fixed number of queries.
"""

from django.db.models import prefetch_related_objects
from ninja import Field, Query, Router, Schema

from helpline.api import lookups
from helpline.api.customers import customer_prefetches
from helpline.api.errors import FieldError
from helpline.api.schemas import (
    ChannelName,
    ConversationOut,
    CustomerOut,
    ErrorOut,
    PriorityName,
    StatusName,
)
from helpline.conversations.models import Tag
from helpline.core.params import parse_id
from helpline.search import search

router = Router(tags=["search"])

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
ERRORS = {400: ErrorOut, 401: ErrorOut, 422: ErrorOut}
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text; the search module passes some through
FILTERS = ("status", "channel", "priority", "location", "team", "assignee", "tag")
QUERY_DESCRIPTION = (
    'Words (all must match), "quoted phrases"; the last word is a prefix while typing.'
)


class ConversationSearchParams(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=search.MAX_QUERY_CHARS,
        pattern=NO_NUL,
        description=QUERY_DESCRIPTION,
    )
    status: StatusName | None = None
    channel: ChannelName | None = None
    priority: PriorityName | None = None
    location: int | None = Field(None, ge=1, le=2**63 - 1)
    team: int | None = Field(None, ge=1, le=2**63 - 1)
    assignee: str | None = Field(
        None, pattern=r"^(me|none|[1-9][0-9]{0,17})$", description='A user id, "me" or "none"'
    )
    tag: str | None = Field(None, max_length=64, pattern=NO_NUL)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(
        None, max_length=100, description="`next_cursor` of the previous page"
    )


class CustomerSearchParams(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=search.MAX_QUERY_CHARS,
        pattern=NO_NUL,
        description="A name, an email address (or its start), or a phone number in any format",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ConversationHitOut(Schema):
    conversation: ConversationOut
    snippet: str = Field(..., description="Escaped HTML with <mark> around the matched words")
    rank: float = Field(..., description="Higher is better; only comparable within one search")


class ConversationHitPage(Schema):
    items: list[ConversationHitOut]
    next_cursor: str | None


class CustomerHitOut(CustomerOut):
    matched: str = Field(
        ..., description='What matched: "phone", "email", "field" (a custom field value) or "name"'
    )
    snippet: str = Field(..., description="Escaped HTML of the matched value, with <mark>")


class CustomerHitList(Schema):
    items: list[CustomerHitOut]


@router.get("/search/conversations", response={200: ConversationHitPage, **ERRORS})
def search_conversations(request, params: Query[ConversationSearchParams]) -> dict:
    user = request.auth
    _check_cursor(params.cursor)
    _check_ids(user, params)
    filters = {name: getattr(params, name) for name in FILTERS}
    try:
        hits = search.search_conversations(
            user, params.q, filters=filters, limit=params.limit + 1, after=params.cursor
        )
    except ValueError as exc:  # the module's word on a cursor it cannot read
        raise FieldError("cursor", str(exc)) from None
    hits, more = hits[: params.limit], len(hits) > params.limit
    prefetch_related_objects([hit.conversation for hit in hits], "tags")
    return {"items": hits, "next_cursor": hits[-1].cursor if more and hits else None}


@router.get("/search/customers", response={200: CustomerHitList, **ERRORS})
def search_customers(request, params: Query[CustomerSearchParams]) -> dict:
    hits = search.search_customers(request.auth, params.q, limit=params.limit)
    customers = [hit.customer for hit in hits]
    prefetch_related_objects(customers, "location", "company", *customer_prefetches())
    items = [
        {
            **CustomerOut.from_orm(hit.customer).model_dump(),
            "matched": hit.matched,
            "snippet": hit.snippet,
        }
        for hit in hits
    ]
    return {"items": items}


def _check_cursor(cursor: str | None) -> None:
    """A cursor is `rank:id` as the search gave it; refuse what the database cannot compare."""
    if not cursor:
        return
    try:
        search.parse_cursor(cursor)
    except ValueError:
        raise FieldError(
            "cursor", "not a cursor of this search; use next_cursor as given"
        ) from None


def _check_ids(user, params: ConversationSearchParams) -> None:
    """An unknown location, team, agent or tag is a 400 naming it, not an empty result."""
    lookups.location(user, params.location, "location")
    lookups.team(params.team, "team")
    if params.assignee not in (None, "me", "none"):
        lookups.agent(parse_id(params.assignee, "assignee"), "assignee")
    if params.tag is not None and not Tag.objects.filter(name=params.tag.strip().lower()).exists():
        raise FieldError("tag", "no such tag")
