"""When to try again after a call nobody answered: settings.HELPLINE_CALLBACK_BACKOFF.

A comma-separated list of waits, one per failed try, the last repeated: "15m" (s, m, h and
d also work) or "next-morning", the location's first opening after its next midnight.
Whatever the step, the due time is moved into the location's opening hours.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from helpline.hours.calendar import BusinessCalendar, NeverOpen

NEXT_MORNING = "next-morning"
WAIT = re.compile(r"^(\d+)\s*([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def steps(spec: str | None = None) -> list[timedelta | str]:
    spec = settings.HELPLINE_CALLBACK_BACKOFF if spec is None else spec
    parsed: list[timedelta | str] = []
    for raw in spec.split(","):
        step = raw.strip().lower()
        match = WAIT.match(step)
        if step == NEXT_MORNING:
            parsed.append(NEXT_MORNING)
        elif match:
            parsed.append(timedelta(**{UNITS[match[2]]: int(match[1])}))
        else:
            raise ImproperlyConfigured(
                f"HELPLINE_CALLBACK_BACKOFF: {raw.strip()!r} is neither a wait like 15m "
                f"nor {NEXT_MORNING}"
            )
    if not parsed:
        raise ImproperlyConfigured("HELPLINE_CALLBACK_BACKOFF names no wait")
    return parsed


def next_try(calendar: BusinessCalendar, failed_tries: int, now: datetime) -> datetime:
    """When to call again after `failed_tries` tries nobody answered (1 or more)."""
    waits = steps()
    step = waits[min(failed_tries, len(waits)) - 1]
    if isinstance(step, str):  # NEXT_MORNING, the only step that is not a wait
        return within_hours(calendar, next_midnight(calendar.zone, now))
    return within_hours(calendar, now + step)


def next_midnight(zone: ZoneInfo, now: datetime) -> datetime:
    local = now.astimezone(zone)
    tomorrow = local.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=zone)


def within_hours(calendar: BusinessCalendar, at: datetime) -> datetime:
    """`at`, or the location's next opening when it is closed then."""
    try:
        return calendar.next_open(at)
    except NeverOpen:  # a location that never opens: due when asked, rather than never
        return at
