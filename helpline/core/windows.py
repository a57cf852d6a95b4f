"""How far from now a date given by a user or an integration may lie: every window in one place.

Business time (hours.calendar) is worked out for the years a date needs, and a date
decades away is nobody's plan, only a cost: so each domain action checks the dates it is
given against its window here, and refuses one outside it with an ActionError naming the
field. Views, the API, the phone webhooks and tasks all call those actions.
"""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from helpline.core.errors import ActionError

# A callback's due time (the desk's "Call back at…", POST /api/callbacks): two years either
# side of now. One in the past is due at once (a missed call's callback is due from the
# call's own time; the demo queues some from its history).
DUE_AHEAD = DUE_BEHIND = timedelta(days=2 * 366)
# An appointment's start (booking and moving it; a time in the past is refused anyway).
APPOINTMENT_AHEAD = timedelta(days=2 * 366)
# Until when a conversation is pending (set by an agent, or by an appointment's start).
PENDING_AHEAD = APPOINTMENT_AHEAD
# When a call started (POST /api/calls/events started_at, Twilio's Timestamp): a phone
# system's clock a little ahead of ours, or its webhook retried for some days.
CALL_AHEAD = timedelta(days=2)
CALL_BEHIND = timedelta(days=7)


def check_within(
    moment: datetime,
    field: str,
    *,
    behind: timedelta | None,
    ahead: timedelta,
    now: datetime | None = None,
) -> datetime:
    """`moment` if it is at most `behind` before now (None: any past) and `ahead` after it."""
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise ActionError("a date and time with its time zone, like 2026-01-05T10:00:00Z", field)
    now = now or timezone.now()
    if moment > now + ahead:
        raise ActionError(f"at most {_span(ahead)} from now", field)
    if behind is not None and moment < now - behind:
        raise ActionError(f"at most {_span(behind)} ago", field)
    return moment


def _span(span: timedelta) -> str:
    days = span.days
    if days >= 365:
        return f"{days // 365} years" if days >= 730 else "a year"
    return f"{days} days" if days != 1 else "a day"


def check_due(moment: datetime, field: str = "due_at") -> datetime:
    """A callback's due time, within DUE_BEHIND and DUE_AHEAD of now."""
    return check_within(moment, field, behind=DUE_BEHIND, ahead=DUE_AHEAD)


def check_appointment_start(moment: datetime, field: str = "starts_at") -> datetime:
    """An appointment's start, at most APPOINTMENT_AHEAD from now (the past is the action's)."""
    return check_within(moment, field, behind=None, ahead=APPOINTMENT_AHEAD)


def check_call_start(moment: datetime, field: str = "started_at") -> datetime:
    """When a call started, within CALL_BEHIND and CALL_AHEAD of now."""
    return check_within(moment, field, behind=CALL_BEHIND, ahead=CALL_AHEAD)


# Coaching and training (helpline.quality): a session held, a follow-up, a goal's due day
# or a training's day, two years either side of today; a session is not held tomorrow.
COACHING_SPAN = timedelta(days=2 * 366)
COACHING_AHEAD = timedelta(days=1)


def check_coaching_moment(moment: datetime, field: str = "held_at") -> datetime:
    return check_within(moment, field, behind=COACHING_SPAN, ahead=COACHING_AHEAD)


def check_coaching_day(day: date, field: str) -> date:
    """A day (no time) within COACHING_SPAN of today."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ActionError("a day, like 2026-01-05", field)
    today = timezone.localdate()
    if day > today + COACHING_SPAN:
        raise ActionError(f"at most {_span(COACHING_SPAN)} from now", field)
    if day < today - COACHING_SPAN:
        raise ActionError(f"at most {_span(COACHING_SPAN)} ago", field)
    return day


def check_pending_until(moment: datetime, field: str = "pending_until") -> datetime:
    """A conversation's pending-until moment, at most PENDING_AHEAD from now (the past is the
    action's to refuse)."""
    return check_within(moment, field, behind=None, ahead=PENDING_AHEAD)


# A date that only filters or pages a list (the API's updated_since, from/to and cursors,
# the inbox's since): any plausible moment, but one whose conversion to UTC and arithmetic
# cannot overflow (9999-12-31T23:59:59-23:59 is after the last moment Python can hold in UTC).
FILTER_AHEAD = FILTER_BEHIND = timedelta(days=100 * 366)


def check_filter(moment: datetime, field: str) -> datetime:
    """A moment that filters a list, within FILTER_BEHIND and FILTER_AHEAD of now. A naive one
    (read on the server's clock by whoever uses it) is measured as if it were UTC."""
    aware = moment if not timezone.is_naive(moment) else moment.replace(tzinfo=UTC)
    check_within(aware, field, behind=FILTER_BEHIND, ahead=FILTER_AHEAD)
    return moment
