"""Changing when a location is open. The API, the admin and scripts call these."""

from collections.abc import Iterable
from datetime import datetime, time

from django.db import transaction

from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import Location, Role, User
from helpline.hours.calendar import WeeklyInterval
from helpline.hours.models import MIDNIGHT, Closure, OpeningHours, Weekday
from helpline.hours.verbs import Verb

MAX_INTERVALS = 7 * 12
MAX_REASON = Closure._meta.get_field("reason").max_length
# Far enough for any plan, near enough that business time stays quick to reckon.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200


def may_manage_hours(user: User, location: Location) -> bool:
    """Admins, and managers of the location, set its hours and closures."""
    if user.sees_everything:
        return True
    return user.role == Role.MANAGER and location.pk in user.location_ids()


def clean_intervals(intervals: Iterable) -> list[WeeklyInterval]:
    """(weekday, opens, closes) triples checked; an ActionError names `intervals.N.field`."""
    intervals = list(intervals)
    if len(intervals) > MAX_INTERVALS:
        raise ActionError(f"at most {MAX_INTERVALS} intervals a week", "intervals")
    cleaned = [_clean_interval(index, *interval) for index, interval in enumerate(intervals)]
    _refuse_overlaps(cleaned)
    return cleaned


def _clean_interval(index: int, weekday, opens, closes) -> WeeklyInterval:
    field = f"intervals.{index}"
    if type(weekday) is not int or weekday not in Weekday.values:
        raise ActionError("a weekday is 0 (Monday) to 6 (Sunday)", f"{field}.weekday")
    for name, value in (("opens", opens), ("closes", closes)):
        if not isinstance(value, time):
            raise ActionError("a time of day, like 09:00", f"{field}.{name}")
        if value.tzinfo is not None:
            raise ActionError("a wall-clock time, without a time zone", f"{field}.{name}")
    if closes != MIDNIGHT and closes <= opens:
        raise ActionError("must be after the opening time (00:00 for midnight)", f"{field}.closes")
    return WeeklyInterval(weekday, opens, closes)


def _refuse_overlaps(intervals: list[WeeklyInterval]) -> None:
    by_start = sorted(range(len(intervals)), key=lambda i: intervals[i][:2])
    for earlier, later in zip(by_start, by_start[1:], strict=False):
        first, second = intervals[earlier], intervals[later]
        if first.weekday == second.weekday and (
            first.closes == MIDNIGHT or second.opens < first.closes
        ):
            raise ActionError(
                f"overlaps {describe(first)}; join them into one interval",
                f"intervals.{later}.opens",
            )


def describe(interval: WeeklyInterval) -> str:
    closes = "24:00" if interval.closes == MIDNIGHT else f"{interval.closes:%H:%M}"
    return f"{Weekday(interval.weekday).label} {interval.opens:%H:%M}–{closes}"


def _plain(interval: WeeklyInterval) -> list:
    return [interval.weekday, f"{interval.opens:%H:%M:%S}", f"{interval.closes:%H:%M:%S}"]


@transaction.atomic
def set_opening_hours(actor: User | None, location: Location, intervals: Iterable) -> None:
    """Replace the location's weekly hours; none at all means always open."""
    cleaned = clean_intervals(intervals)
    existing = OpeningHours.objects.select_for_update().filter(location=location)
    before = [_plain(WeeklyInterval(*row)) for row in _rows(existing)]
    existing.delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=i.weekday, opens=i.opens, closes=i.closes)
        for i in sorted(cleaned)
    )
    record(actor, Verb.HOURS_SET, location, before=before, after=[_plain(i) for i in cleaned])


def _rows(queryset) -> list[tuple]:
    return list(queryset.order_by("weekday", "opens").values_list("weekday", "opens", "closes"))


@transaction.atomic
def add_closure(
    actor: User | None, location: Location, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> Closure:
    """Close the location from `starts_at` until `ends_at`, whatever its hours say."""
    reason = clean_closure(starts_at, ends_at, reason)
    closure = Closure.objects.create(
        location=location, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    record(
        actor,
        Verb.CLOSURE_ADDED,
        location,
        closure_id=closure.pk,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
        reason=reason,
    )
    return closure


def clean_closure(starts_at: datetime, ends_at: datetime, reason: str) -> str:
    """The closure's reason, tidied; an ActionError names the field at fault."""
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ActionError("a date and time with its time zone", name)
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ActionError(f"must be within {EARLIEST_YEAR}–{LATEST_YEAR}", name)
    if ends_at <= starts_at:
        raise ActionError("must be after the start", "ends_at")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ActionError(f"at most {MAX_REASON} characters", "reason")
    if "\x00" in reason:
        raise ActionError("may not contain NUL characters", "reason")
    return reason


@transaction.atomic
def remove_closure(actor: User | None, closure: Closure) -> None:
    """Take a closure back: the location's weekly hours apply again for that time."""
    record(
        actor,
        Verb.CLOSURE_REMOVED,
        closure.location,
        closure_id=closure.pk,
        starts_at=closure.starts_at.isoformat(),
        ends_at=closure.ends_at.isoformat(),
        reason=closure.reason,
    )
    closure.delete()
