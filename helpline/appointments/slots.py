"""Bookable slots: HELPLINE_APPOINTMENT_MINUTES each, inside a location's opening hours.

A day's slots start at each of its openings (after a lunch break or a closure too) and
follow one another until the slot that would run past the closing time. They are real
elapsed minutes, so on a day the clocks change a slot across the change still lasts its
minutes, and the wall clock it is shown on skips or repeats an hour. A slot is free when
it lies in the future and the chosen agent has no booked appointment overlapping it.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from helpline.core.models import Location, User
from helpline.hours.calendar import BusinessCalendar, calendar_for

DEFAULT_DAYS = 14
MAX_DAYS = 62


class Slot(NamedTuple):
    starts_at: datetime
    ends_at: datetime


def zone_of(location: Location) -> ZoneInfo:
    """The location's time zone, without a query; UTC for a name nobody knows, as the
    business calendar reckons it."""
    try:
        return ZoneInfo(location.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def slot_length() -> timedelta:
    return timedelta(minutes=settings.HELPLINE_APPOINTMENT_MINUTES)


def is_open_throughout(calendar: BusinessCalendar, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether the location is open for the whole of [starts_at, ends_at)."""
    return calendar.elapsed(starts_at, ends_at) == ends_at - starts_at


def free_slots(
    location: Location,
    *,
    agent: User | None = None,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> list[Slot]:
    """The slots of the next `days` local days (today first) that can still be booked."""
    from helpline.appointments.models import Appointment, AppointmentStatus

    now = now or timezone.now()
    calendar = calendar_for(location)
    slots = [slot for slot in open_slots(calendar, now, days) if slot.starts_at > now]
    if agent is None or not slots:
        return slots
    busy = list(
        Appointment.objects.filter(
            agent=agent,
            status=AppointmentStatus.BOOKED,
            starts_at__lt=slots[-1].ends_at,
            ends_at__gt=slots[0].starts_at,
        ).values_list("starts_at", "ends_at")
    )
    return [slot for slot in slots if not _overlaps(slot, busy)]


def open_slots(calendar: BusinessCalendar, now: datetime, days: int) -> list[Slot]:
    """Every slot of `days` local days from `now`'s local date, past ones included."""
    length = slot_length()
    today = now.astimezone(calendar.zone).date()
    slots = []
    for offset in range(min(days, MAX_DAYS)):
        day = today + timedelta(days=offset)
        for opens, closes in _open_pieces(calendar, day):
            starts_at = opens
            while starts_at + length <= closes:
                slots.append(Slot(starts_at, starts_at + length))
                starts_at += length
    return slots


def _open_pieces(calendar: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    if calendar.always_open:  # no opening hours: open all day, every day
        midnight = datetime.combine(day, time(0), tzinfo=calendar.zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.zone)
        # In UTC: arithmetic on datetimes of one zone is wall-clock arithmetic.
        return [(midnight.astimezone(UTC), next_midnight.astimezone(UTC))]
    return calendar.open_pieces(day)


def _overlaps(slot: Slot, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(start < slot.ends_at and slot.starts_at < end for start, end in busy)


def by_local_day(slots: Iterable[Slot], location: Location) -> list[tuple[date, list[Slot]]]:
    """The slots grouped by the location's local date, in order, for a picker."""
    zone = zone_of(location)
    days: list[tuple[date, list[Slot]]] = []
    for slot in slots:
        day = slot.starts_at.astimezone(zone).date()
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(slot)
    return days
