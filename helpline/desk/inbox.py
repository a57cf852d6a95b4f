"""The inbox's views (mine, unassigned, open, pending, solved): what each holds and in what order.

Open work is sorted by waiting time, the customer who has waited longest
first, then conversations nobody waits on; pending and solved work by latest
activity. Every order is a keyset over an index (see Conversation.Meta), so
page 1,000 costs what page 1 costs. Counts stop at COUNT_CAP: an exact count
of a million solved conversations would cost more than the page itself.
"""

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils import timezone

from helpline.api.errors import FieldError
from helpline.api.pagination import Key, Ordering, decode_cursor, encode_cursor
from helpline.conversations.models import OPEN_STATUSES, Channel, Conversation, Priority, Status
from helpline.core.models import Team, User
from helpline.core.params import optional_id
from helpline.desk.forms import served_locations
from helpline.feedback.figures import latest_answers, rated_badly
from helpline.feedback.models import Answer
from helpline.search.search import filter_conversations

PAGE_SIZE = 50
COUNT_CAP = 999

LONGEST_WAITING = Ordering(
    "inbox.waiting", (Key("waiting_since", nullable=True, datetime=True), Key("id"))
)
LATEST_ACTIVITY = Ordering(
    "inbox.activity",
    (Key("last_message_at", descending=True, datetime=True), Key("id", descending=True)),
)
# The earliest service level due time first (see helpline.sla.clocks), then the rest.
BREACHING_SOON = Ordering(
    "inbox.breaching", (Key("sla_due_at", nullable=True, datetime=True), Key("id"))
)
SORTS = {"breaching": ("Breaching soon", BREACHING_SOON)}


@dataclass(frozen=True)
class View:
    slug: str
    title: str
    ordering: Ordering
    statuses: tuple[str, ...]
    assignee: str | None = None  # "me", "none" or None for anyone

    def conversations(self, user: User):
        conversations = Conversation.objects.visible_to(user).filter(status__in=self.statuses)
        if self.assignee == "me":
            conversations = conversations.filter(assignee_id=user.pk)
        elif self.assignee == "none":
            conversations = conversations.filter(assignee__isnull=True)
        return conversations


VIEWS = {
    view.slug: view
    for view in (
        View("mine", "Mine", LONGEST_WAITING, OPEN_STATUSES, assignee="me"),
        View("unassigned", "Unassigned", LONGEST_WAITING, OPEN_STATUSES, assignee="none"),
        View("open", "All open", LONGEST_WAITING, OPEN_STATUSES),
        View("pending", "Pending", LATEST_ACTIVITY, (Status.PENDING,)),
        View("solved", "Solved", LATEST_ACTIVITY, (Status.SOLVED, Status.CLOSED)),
    )
}
DEFAULT_VIEW = "open"


@dataclass
class Filters:
    """The inbox's filters, from a query string: a choice it does not know is ignored (a saved
    view may outlive a choice), an id that is not one is a 400 naming it (core.params)."""

    channel: str | None = None
    priority: str | None = None
    location: int | None = None
    team: int | None = None
    tag: str | None = None
    # Not filters of the conversation list (filter_conversations), so not in as_mapping().
    sort: str | None = None  # a key of SORTS; None: the view's own order
    breached: bool = False  # only conversations past a service level due time
    rated_badly: bool = False  # only conversations with a bad survey answer (feedback)
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> "Filters":
        filters = cls()
        for name, choices in (("channel", Channel.values), ("priority", Priority.values)):
            value = params.get(name) or None
            if value in choices:
                setattr(filters, name, value)
            elif value:
                filters.ignored.append(name)
        for name in ("location", "team"):
            setattr(filters, name, optional_id(params.get(name), name))
        tag = (params.get("tag") or "").strip()[:64]
        filters.tag = tag or None
        sort = params.get("sort") or None
        if sort in SORTS:
            filters.sort = sort
        elif sort:
            filters.ignored.append("sort")
        filters.breached = params.get("breached") == "1"
        filters.rated_badly = params.get("rated_badly") == "1"
        return filters

    def as_mapping(self) -> dict:
        return {
            "channel": self.channel,
            "priority": self.priority,
            "location": self.location,
            "team": self.team,
            "tag": self.tag,
        }

    def query_string(self) -> str:
        return urlencode(self.pairs())

    def pairs(self) -> dict:
        """The filters that are set, as query parameters."""
        return {k: v for k, v in self._all().items() if v is not None}

    def __bool__(self) -> bool:
        return any(v is not None for v in self._all().values())

    def _all(self) -> dict:
        return {
            **self.as_mapping(),
            "sort": self.sort,
            "breached": 1 if self.breached else None,
            "rated_badly": 1 if self.rated_badly else None,
        }

    def ordering(self, view: "View") -> Ordering:
        return SORTS[self.sort][1] if self.sort else view.ordering

    def apply(self, view: "View", user: User):
        """The view's conversations that pass these filters."""
        conversations = filter_conversations(view.conversations(user), user, self.as_mapping())
        if self.breached:
            if not set(view.statuses) <= set(OPEN_STATUSES):
                return conversations.none()  # no clock runs on pending or solved work
            conversations = conversations.filter(sla_due_at__lt=timezone.now())
        if self.rated_badly:
            conversations = conversations.filter(id__in=rated_badly())
        return conversations


def filter_choices(user: User) -> dict:
    """What the filter fields (desk/_filter_fields.html) offer this user."""
    return {
        "channels": Channel.choices,
        "priorities": Priority.choices,
        "locations": list(served_locations(user)),
        "teams": list(Team.objects.order_by("name")),
    }


@dataclass(frozen=True, slots=True)
class Row:
    """What an inbox row shows (desk/_inbox_rows.html) and the keysets need.

    Plain values, not model instances: building a conversation with its customer,
    location and assignee objects took more of a page's time than its SQL.
    """

    id: int
    subject: str
    preview: str
    status: str
    priority: str
    channel: str
    waiting_since: datetime | None
    last_message_at: datetime
    sla_due_at: datetime | None
    customer_name: str
    location_name: str
    assignee_name: str  # empty: unassigned
    tag_names: tuple[str, ...] = ()
    survey_answer: Answer | None = None  # the latest, for its score chip

    @property
    def pk(self) -> int:  # as for the conversation it stands for
        return self.id

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS[self.priority]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]


STATUS_LABELS, PRIORITY_LABELS, CHANNEL_LABELS = (
    dict(choices.choices) for choices in (Status, Priority, Channel)
)
ROW_VALUES = (
    "id",
    "subject",
    "preview",
    "status",
    "priority",
    "channel",
    "waiting_since",
    "last_message_at",
    "sla_due_at",
    "customer_id",
    "customer__name",
    "location__name",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def rows_queryset(user: User, view: View, filters: Filters):
    """The ordered values a page of `view` reads (keyset condition and slice to add)."""
    ordering = filters.ordering(view)
    return filters.apply(view, user).order_by(*ordering.order_by()).values_list(*ROW_VALUES)


@dataclass(frozen=True)
class Page:
    view: View
    conversations: list[Row]
    next_cursor: str | None


def page(user: User, view: View, filters: Filters, cursor: str | None = None) -> Page:
    ordering = filters.ordering(view)
    values = rows_queryset(user, view, filters)
    if cursor:
        # A stale or edited link shows the first page.
        with contextlib.suppress(FieldError):
            values = values.filter(ordering.after(decode_cursor(ordering, cursor)))
    found = list(values[: PAGE_SIZE + 1])
    more = len(found) > PAGE_SIZE
    items = _rows(found[:PAGE_SIZE])
    next_cursor = encode_cursor(ordering, ordering.values_of(items[-1])) if more else None
    return Page(view, items, next_cursor)


def _rows(found: list[tuple]) -> list[Row]:
    """Rows of ROW_VALUES tuples, with each one's tag names read in one flat query."""
    tags: dict[int, list[str]] = {values[0]: [] for values in found}
    tagged = Conversation.tags.through.objects.filter(conversation_id__in=tags)
    for conversation_id, name in tagged.values_list("conversation_id", "tag__name"):
        tags[conversation_id].append(name)
    answers = latest_answers(list(tags))  # one query for the page's score chips
    rows = []
    for values in found:
        pk, subject, preview, status, priority, channel, waiting, last, due = values[:9]
        customer_id, customer, location, username, first_name, last_name = values[9:]
        rows.append(
            Row(
                pk,
                subject,
                preview,
                status,
                priority,
                channel,
                waiting,
                last,
                due,
                customer or f"Customer #{customer_id}",  # as Customer.__str__
                location or "",
                " ".join(name for name in (first_name, last_name) if name) or username or "",
                tuple(sorted(tags[pk])),
                answers.get(pk),
            )
        )
    return rows


def counts(user: User, filters: Filters) -> dict[str, int]:
    """How many conversations each view holds, up to COUNT_CAP + 1 (shown as "999+").

    One statement for all the views: each is a capped subquery of its own.
    """
    parts, params, result = [], [], {}
    for slug, view in VIEWS.items():
        conversations = filters.apply(view, user)
        capped = conversations.order_by().values("id")[: COUNT_CAP + 1]
        try:
            sql, sql_params = capped.query.sql_with_params()
        except EmptyResultSet:  # e.g. an agent who serves no location yet
            result[slug] = 0
            continue
        parts.append((slug, f"(SELECT COUNT(*) FROM ({sql}) AS {slug}_view)"))
        params.extend(sql_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _, sql in parts), params)
            result.update(zip([slug for slug, _ in parts], cursor.fetchone(), strict=True))
    return {slug: result[slug] for slug in VIEWS}


def changed_since(user: User, since) -> bool:
    """Whether any conversation the user may see changed after `since`."""
    return Conversation.objects.visible_to(user).filter(updated_at__gt=since).exists()
