"""A conversation's service level clocks, kept on the conversation itself.

Two clocks run in business time (the location's opening hours, see helpline.hours):

- response: while the customer waits on us (waiting_since is set), due `first_response_minutes`
  after their oldest unanswered message until we first respond, `next_response_minutes`
  after it from then on;
- resolution: due `resolution_minutes` after the conversation began, not counting the time
  it spent pending, solved or closed (all three pause it). Reopened, it continues from where
  it stopped: the pause is added to `resolution_paused_seconds` when work resumes.

`sla_due_at` is the earliest running due time (nothing while no clock runs), and
`sla_next_check_at` the earliest warning or due point the escalation scan has not
recorded an SlaEvent for yet. `refresh` recomputes all of it for a set of conversations;
every action that changes what the clocks read calls it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from helpline.conversations.models import OPEN_STATUSES, Channel, Conversation, Status
from helpline.core.sql import update_fields_from_values
from helpline.hours.calendar import ALWAYS_OPEN, calendars_for
from helpline.sla.models import Clock, EventKind, SlaEvent, SlaPolicy

CLOCK_FIELDS = (
    "sla_policy",
    "response_due_at",
    "resolution_due_at",
    "resolution_paused_seconds",
    "paused_at",
    "sla_due_at",
    "sla_next_check_at",
)
READ_FIELDS = (
    "id",
    "status",
    "priority",
    "channel",
    "location",
    "created_at",
    "first_response_at",
    "waiting_since",
    *CLOCK_FIELDS,
)
CHUNK = 1000
WRITE_CHUNK = 500  # eight parameters a row, well within SQLite's 32,766
# No policy applies: no clock runs, and no pause is kept for one.
STOPPED = {
    "sla_policy": None,
    "response_due_at": None,
    "resolution_due_at": None,
    "paused_at": None,
    "sla_due_at": None,
    "sla_next_check_at": None,
}
ANY_CLOCK = Q(sla_policy__isnull=False) | Q(sla_due_at__isnull=False) | Q(paused_at__isnull=False)
ANY_CLOCK |= Q(sla_next_check_at__isnull=False)
RUNNING_OR_PAUSED = (*OPEN_STATUSES, Status.PENDING)


@dataclass(frozen=True)
class CheckPoint:
    """An instant the escalation scan must act at: a clock's warning or its due time."""

    at: datetime
    kind: str
    clock: str
    due_at: datetime


def calendars_of(conversations: Iterable[Conversation]) -> dict:
    """{location id or None: BusinessCalendar}, in two queries for any number of locations."""
    locations = {c.location_id: c.location for c in conversations if c.location_id}
    calendars = calendars_for(locations.values()) if locations else {}
    calendars[None] = ALWAYS_OPEN
    return calendars


def matching_policy(policies: list[SlaPolicy], conversation: Conversation) -> SlaPolicy | None:
    return next((policy for policy in policies if policy.matches(conversation)), None)


def ordered_policies() -> list[SlaPolicy]:
    return list(SlaPolicy.objects.order_by("position", "id"))


def refresh(conversation_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute the clocks of these conversations; how many changed.

    Six queries at most, whatever their number: policies, conversations, calendars (two),
    events, and one UPDATE for those whose clocks moved; two while no policy exists.
    """
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    now = now or timezone.now()
    policies = ordered_policies()
    if not policies:  # the common case of a desk without service levels: one more query
        return Conversation.objects.filter(pk__in=ids).filter(ANY_CLOCK).update(**STOPPED)
    conversations = list(
        Conversation.objects.filter(pk__in=ids)
        .select_related("location")
        .only(
            *READ_FIELDS,
            "location__timezone",
            "location__country",
            "location__region",
        )
    )
    before = {c.pk: _clock_values(c) for c in conversations}
    matched = {c.pk: matching_policy(policies, c) for c in conversations}
    calendars = calendars_of([c for c in conversations if matched[c.pk] is not None])
    for conversation in conversations:
        calendar = calendars.get(conversation.location_id, ALWAYS_OPEN)
        compute(conversation, matched[conversation.pk], calendar, now)
    recorded = _recorded_events(conversations)
    for conversation in conversations:
        _set_next_check(conversation, calendars.get(conversation.location_id), recorded)
    changed = [c for c in conversations if _clock_values(c) != before[c.pk]]
    _write(changed)
    return len(changed)


def refresh_all(now: datetime | None = None) -> int:
    """Every conversation a policy could apply to, a chunk at a time (after policies change)."""
    # Solved and closed ones have no running clock; reopened, receive refreshes them.
    candidates = Conversation.objects.filter(status__in=RUNNING_OR_PAUSED).order_by("pk")
    changed, last = 0, 0
    while True:
        ids = list(candidates.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return changed
        changed += refresh(ids, now)
        last = ids[-1]


def compute(conversation: Conversation, policy: SlaPolicy | None, calendar, now: datetime) -> None:
    """Set the due times of one conversation (not sla_next_check_at) in memory."""
    conversation.sla_policy = policy
    if policy is None:
        for name, value in STOPPED.items():
            setattr(conversation, name, value)
        return
    working = conversation.status in OPEN_STATUSES
    if working and conversation.paused_at is not None:
        paused = calendar.elapsed(conversation.paused_at, now)
        conversation.resolution_paused_seconds += int(paused.total_seconds())
        conversation.paused_at = None
    elif not working and conversation.paused_at is None:
        conversation.paused_at = now
    conversation.response_due_at = conversation.resolution_due_at = None
    if working:
        response_target = response_minutes(conversation, policy)
        if conversation.waiting_since is not None and response_target:
            conversation.response_due_at = calendar.add(
                conversation.waiting_since, timedelta(minutes=response_target)
            )
        if policy.resolution_minutes:
            conversation.resolution_due_at = calendar.add(
                conversation.created_at, resolution_span(conversation, policy.resolution_minutes)
            )
    running = [d for d in (conversation.response_due_at, conversation.resolution_due_at) if d]
    conversation.sla_due_at = min(running, default=None)


def response_minutes(conversation: Conversation, policy: SlaPolicy) -> float | None:
    if conversation.first_response_at is None:
        if conversation.channel == Channel.CHAT and policy.chat_first_response_seconds:
            return policy.chat_first_response_seconds / 60
        return policy.first_response_minutes
    return policy.next_response_minutes


def resolution_span(conversation: Conversation, minutes: float) -> timedelta:
    """Business time from creation to a point `minutes` into the resolution clock."""
    return timedelta(minutes=minutes, seconds=conversation.resolution_paused_seconds)


def check_points(
    conversation: Conversation, policy: SlaPolicy | None, calendar
) -> list[CheckPoint]:
    """The warning and due points of the running clocks, earliest first."""
    if policy is None:
        return []
    points = []
    percent = policy.warn_at_percent
    if conversation.response_due_at is not None:
        due = conversation.response_due_at
        points.append(CheckPoint(due, EventKind.BREACH, Clock.RESPONSE, due))
        target = response_minutes(conversation, policy)
        if percent and target:
            warn = calendar.add(
                conversation.waiting_since, timedelta(minutes=target * percent / 100)
            )
            points.append(CheckPoint(warn, EventKind.WARNING, Clock.RESPONSE, due))
    if conversation.resolution_due_at is not None:
        due = conversation.resolution_due_at
        points.append(CheckPoint(due, EventKind.BREACH, Clock.RESOLUTION, due))
        if percent:
            span = resolution_span(conversation, policy.resolution_minutes * percent / 100)
            warn = calendar.add(conversation.created_at, span)
            points.append(CheckPoint(warn, EventKind.WARNING, Clock.RESOLUTION, due))
    return sorted(points, key=lambda p: (p.at, p.kind == EventKind.BREACH))


def _recorded_events(conversations: list[Conversation]) -> set[tuple]:
    """(conversation id, kind, clock, due_at) of the events already recorded at the running
    due times: those points are done."""
    dues = {d for c in conversations for d in (c.response_due_at, c.resolution_due_at) if d}
    if not dues:
        return set()
    return set(
        SlaEvent.objects.filter(
            conversation_id__in=[c.pk for c in conversations], due_at__in=dues
        ).values_list("conversation_id", "kind", "clock", "due_at")
    )


def _set_next_check(conversation: Conversation, calendar, recorded: set[tuple]) -> None:
    pending = [
        point
        for point in check_points(conversation, conversation.sla_policy, calendar)
        if (conversation.pk, point.kind, point.clock, point.due_at) not in recorded
    ]
    conversation.sla_next_check_at = pending[0].at if pending else None


def _write(conversations: list[Conversation]) -> None:
    """One UPDATE … FROM (VALUES …) for every clock column: bulk_update's CASE per row and
    column costs seconds to compile for a thousand rows (see helpline.core.sql)."""
    for start in range(0, len(conversations), WRITE_CHUNK):
        _write_rows(conversations[start : start + WRITE_CHUNK])


def _write_rows(conversations: list[Conversation]) -> None:
    update_fields_from_values(
        Conversation,
        CLOCK_FIELDS,
        (
            (c.pk, *(getattr(c, Conversation._meta.get_field(f).attname) for f in CLOCK_FIELDS))
            for c in conversations
        ),
    )


def _clock_values(conversation: Conversation) -> tuple:
    return tuple(
        conversation.sla_policy_id if field == "sla_policy" else getattr(conversation, field)
        for field in CLOCK_FIELDS
    )
