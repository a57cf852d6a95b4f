"""Recomputing conversations' facts from the source tables, a chunk at a time.

`compute(ids)` reads six queries whatever the number of conversations (conversations,
their non-note messages, their waits, their status changes, their SLA breaches, the
locations' calendars) and returns unsaved ConversationFact rows; `store` writes them in
one upsert. Each row depends only on the source tables, never on the row before it, so
recomputing is idempotent and the order in which events arrive does not matter.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from helpline.conversations.models import (
    Conversation,
    Direction,
    Message,
    MessageKind,
    Status,
    Wait,
)
from helpline.conversations.verbs import Verb
from helpline.core.models import Activity, Location
from helpline.hours.calendar import ALWAYS_OPEN, calendars_for
from helpline.reports.models import FACT_FIELDS, ConversationFact
from helpline.sla.models import Clock, EventKind, SlaEvent

CHUNK = 2000
# The resolution clock stops while the conversation waits on the customer or is done.
PAUSED = (Status.PENDING, Status.SOLVED, Status.CLOSED)
DONE = (Status.SOLVED, Status.CLOSED)
# A customer's message reopens a conversation in these (conversations.receive).
REOPENED_BY_CUSTOMER = (Status.PENDING, Status.SOLVED)


def compute(conversation_ids: Iterable[int]) -> list[ConversationFact]:
    ids = sorted(set(conversation_ids))
    if not ids:
        return []
    conversations = list(
        Conversation.objects.filter(pk__in=ids).values_list(
            "id",
            "location_id",
            "team_id",
            "assignee_id",
            "channel",
            "status",
            "created_at",
            "solved_at",
            "sla_policy_id",
        )
    )
    ids = [row[0] for row in conversations]
    messages: dict[int, list[tuple]] = defaultdict(list)
    for conversation_id, direction, kind, at in (
        Message.objects.filter(conversation_id__in=ids)
        .exclude(direction=Direction.NOTE)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", "direction", "kind", "created_at")
    ):
        messages[conversation_id].append((direction, kind, at))
    first_waits: dict[int, tuple] = {}
    for conversation_id, *wait in (
        Wait.objects.filter(conversation_id__in=ids)
        .order_by("conversation_id", "started_at", "id")
        .values_list(
            "conversation_id", "started_at", "answered_at", "business_seconds", "wall_seconds"
        )
    ):
        first_waits.setdefault(conversation_id, tuple(wait))
    changes: dict[int, list[tuple]] = defaultdict(list)
    for subject_id, at, data in Activity.objects.filter(
        subject_type="conversation", subject_id__in=ids, verb=Verb.STATUS_CHANGED
    ).values_list("subject_id", "created_at", "data"):
        changes[subject_id].append((at, data.get("after")))
    breaches = set(
        SlaEvent.objects.filter(conversation_id__in=ids, kind=EventKind.BREACH).values_list(
            "conversation_id", "clock"
        )
    )
    location_ids = {row[1] for row in conversations if row[1]}
    locations = list(Location.objects.filter(pk__in=location_ids))
    calendars = calendars_for(locations) if locations else {}
    zones = {location.pk: _zone(location.timezone) for location in locations}
    facts = []
    for row in conversations:
        pk, location_id = row[0], row[1]
        facts.append(
            _fact(
                row,
                messages[pk],
                first_waits.get(pk),
                changes[pk],
                breaches,
                calendars.get(location_id, ALWAYS_OPEN),
                zones.get(location_id, UTC),
            )
        )
    return facts


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return UTC


def _fact(row, messages, first_wait, changes, breaches, calendar, zone) -> ConversationFact:
    pk, location_id, team_id, assignee_id, channel, status, created_at, solved_at, policy = row
    first_in = next((at for direction, _, at in messages if direction == Direction.INBOUND), None)
    first_out = next((at for direction, _, at in messages if direction == Direction.OUTBOUND), None)
    we_started = first_in is None or (first_out is not None and first_out < first_in)
    responses = sum(
        1
        for direction, kind, _ in messages
        if direction == Direction.OUTBOUND and kind != MessageKind.AUTO_REPLY
    )
    opened = created_at.astimezone(zone)
    fact = ConversationFact(
        conversation_id=pk,
        location_id=location_id,
        team_id=team_id,
        assignee_id=assignee_id,
        channel=channel,
        status=status,
        opened_at=created_at,
        opened_day=opened.date(),
        opened_weekday=opened.weekday(),
        opened_hour=opened.hour,
        we_started=we_started,
        responses=responses,
    )
    if first_wait is not None:
        started_at, answered_at, business, wall = first_wait
        fact.customer_first_at = started_at
        if answered_at is not None:
            fact.first_response_at = answered_at
            fact.first_response_business_seconds = business
            fact.first_response_wall_seconds = wall
    customer_times = [
        at
        for direction, kind, at in messages
        if direction == Direction.INBOUND and kind == MessageKind.NORMAL
    ]
    paused, reopened = _pauses(created_at, solved_at, changes, customer_times)
    fact.reopened = reopened
    if status in DONE and solved_at is not None:
        fact.solved_at = solved_at
        fact.solved_day = solved_at.astimezone(zone).date()
        wall = _seconds(solved_at - created_at) - sum(_seconds(b - a) for a, b in paused)
        business = _seconds(calendar.elapsed(created_at, solved_at)) - sum(
            _seconds(calendar.elapsed(a, b)) for a, b in paused
        )
        fact.resolution_wall_seconds = max(0, wall)
        fact.resolution_business_seconds = max(0, business)
    if (pk, Clock.RESPONSE) in breaches:
        fact.response_target_met = False
    elif policy is not None and fact.first_response_at is not None:
        fact.response_target_met = True
    if (pk, Clock.RESOLUTION) in breaches:
        fact.resolution_target_met = False
    elif policy is not None and fact.solved_at is not None:
        fact.resolution_target_met = True
    return fact


def _pauses(created_at, solved_at, changes, customer_times) -> tuple[list, bool]:
    """The spans before the (last) solving in which the resolution clock stood still, and
    whether the conversation was ever reopened after being solved or closed.

    The status is replayed from the activity log's status changes and the customer's
    messages (which reopen a pending or solved conversation without a log entry of its own).
    """
    moments = sorted(
        [(at, 0, after) for at, after in changes] + [(at, 1, None) for at in customer_times],
        key=lambda item: (item[0], item[1]),
    )
    status, since = Status.NEW, created_at
    spans, reopened = [], False
    end = solved_at or datetime.max.replace(tzinfo=UTC)
    for at, is_message, after in moments:
        if is_message:
            new = Status.OPEN if status in REOPENED_BY_CUSTOMER else status
        else:
            new = after or status
        if new == status:
            continue
        if status in DONE and new not in DONE:
            reopened = True
        if status in PAUSED and since < end:
            spans.append((since, min(at, end)))
        status, since = new, at
    return [(a, b) for a, b in spans if b > a], reopened


def _seconds(duration: timedelta) -> int:
    return max(0, int(duration.total_seconds()))


def store(facts: list[ConversationFact]) -> int:
    """Insert or overwrite these rows in one statement (a few, for SQLite's limits)."""
    if facts:
        ConversationFact.objects.bulk_create(
            facts,
            update_conflicts=True,
            unique_fields=["conversation"],
            update_fields=FACT_FIELDS,
            batch_size=CHUNK // 2,
        )
    return len(facts)


def refresh(conversation_ids: Iterable[int]) -> int:
    """Recompute these conversations' facts; a conversation gone takes its row with it."""
    ids = set(conversation_ids)
    facts = compute(ids)
    gone = ids - {fact.conversation_id for fact in facts}
    if gone:
        ConversationFact.objects.filter(conversation_id__in=gone).delete()
    return store(facts)


def rebuild(chunk: int = CHUNK, progress=None) -> int:
    """Every conversation's facts, a chunk of ids at a time; rows of conversations that no
    longer exist go with their conversation (the key cascades)."""
    done, last = 0, 0
    while True:
        ids = list(
            Conversation.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return done
        done += store(compute(ids))
        last = ids[-1]
        if progress:
            progress(done)
