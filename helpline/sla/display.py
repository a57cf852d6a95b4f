"""What the conversation page shows of its service level clocks (desk/_sla.html).

The page reads the conversation's policy by its key (a query of its own costs less than
PostgreSQL's planning of one more join); the business time left needs the location's
calendar, read here in one query (opening hours and closures together) rather than
helpline.hours.calendar_for's two.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_time

from helpline.conversations.models import Conversation
from helpline.core.durations import compact_duration
from helpline.hours.calendar import (
    ALWAYS_OPEN,
    BusinessCalendar,
    SpanTooLong,
    WeeklyInterval,
    calendar_from,
)
from helpline.hours.models import Closure, OpeningHours


@dataclass(frozen=True)
class ClockView:
    key: str  # response or resolution: the element's id is sla-<key>
    label: str
    due_at: datetime
    breached: bool
    left: str  # business time left, when not breached
    overdue: str  # wall time since it fell due, when breached


@dataclass(frozen=True)
class SlaView:
    policy_name: str
    clocks: list[ClockView]
    paused_at: datetime | None  # the resolution clock stopped (pending, solved, closed)


def sla_view(conversation: Conversation, now: datetime | None = None) -> SlaView | None:
    """None when no policy applies; one query when a clock runs at a location with hours."""
    policy = conversation.sla_policy
    if policy is None:
        return None
    now = now or timezone.now()
    running = [
        (key, label, due)
        for key, label, due in (
            ("response", _response_label(conversation), conversation.response_due_at),
            ("resolution", "Resolution", conversation.resolution_due_at),
        )
        if due is not None
    ]
    calendar = _calendar(conversation.location) if running else None
    clocks = [
        ClockView(
            key=key,
            label=label,
            due_at=due,
            breached=due <= now,
            left=_left(calendar, now, due) if due > now else "",
            overdue=_seconds(now - due) if due <= now else "",
        )
        for key, label, due in running
    ]
    paused = conversation.paused_at if policy.resolution_minutes else None
    return SlaView(policy.name, clocks, paused)


def _response_label(conversation: Conversation) -> str:
    return "First response" if conversation.first_response_at is None else "Next response"


def _left(calendar: BusinessCalendar, now: datetime, due: datetime) -> str:
    try:
        return _seconds(calendar.elapsed(now, due))
    except SpanTooLong:  # a due time decades away (stored before dates were bounded)
        return "decades"


def _seconds(span) -> str:
    return compact_duration(max(int(span.total_seconds()), 0))


def _calendar(location) -> BusinessCalendar:
    if location is None:
        return ALWAYS_OPEN
    hours, closures = OpeningHours._meta.db_table, Closure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 0, weekday, opens, closes, NULL, NULL FROM {hours} WHERE location_id = %s "
            "UNION ALL "
            f"SELECT 1, NULL, NULL, NULL, starts_at, ends_at FROM {closures} "
            "WHERE location_id = %s",
            [location.pk, location.pk],
        )
        rows = cursor.fetchall()
    # The order calendars_for reads them in, so that the calendar built once is reused.
    intervals = sorted(
        (weekday, _time(opens), _time(closes))
        for kind, weekday, opens, closes, _, _ in rows
        if not kind
    )
    spans = sorted((_moment(start), _moment(end)) for kind, _, _, _, start, end in rows if kind)
    return calendar_from(
        location, tuple(WeeklyInterval(*interval) for interval in intervals), tuple(spans)
    )


def _time(value) -> time:
    return value if isinstance(value, time) else parse_time(value)


def _moment(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
