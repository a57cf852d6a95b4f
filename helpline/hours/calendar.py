"""Business time: how much opening time lies between two instants, and when a span of it ends.

An instant is open when the location's wall clock, at that instant, reads a time inside
one of that weekday's intervals, its local date is not a public holiday, and no closure
covers it. So on a spring-forward day 01:00–03:00 is one hour long (the clock skips an
hour) and on a fall-back day three hours (it reads 01:00–02:00 twice).

Everything is integer microseconds since the Unix epoch. The open instants of each local
date are worked out once (a handful of UTC pieces) and kept, a year at a time, in sorted
timelines with running totals; `elapsed` and `add` are then two binary searches. Only the
years a question needs are worked out: a timeline covers the years around the instants
asked about (and what `add` looks through), never the years between them and today, so a
date centuries away costs what a date next week does. A calendar keeps a few timelines of
at most SPAN_YEARS years each, so its memory stays bounded whatever it is asked.
A calendar without opening hours is always open.
"""

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = EPOCH.date().toordinal()
MICROSECOND = timedelta(microseconds=1)
ZERO = timedelta(0)
SECOND = 1_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
# Real UTC offsets stay within a day; this much either side of a local day holds all of it.
OFFSET_REACH = 26 * HOUR
SAMPLE_STEP = 6 * HOUR
# Years a calendar reckons in: room either side for the neighbouring years it looks at.
MIN_YEAR, MAX_YEAR = 3, 9996
# add() and next_open() give up when this many years ahead hold no opening time at all.
SEARCH_YEARS = 20
# The most years one question may span (elapsed's start to end, add's search): past it a
# calendar refuses (SpanTooLong) rather than work out every year in between. Room for
# add's search and for mail imported with its 30-year-old Date.
SPAN_YEARS = 40
# Timelines and worked-out years a calendar keeps (the least recently used go first).
KEEP_TIMELINES = 4
KEEP_YEARS = 2 * SPAN_YEARS


class WeeklyInterval(NamedTuple):
    """Open on `weekday` (0 is Monday) from `opens` until `closes`; 00:00 closes at midnight."""

    weekday: int
    opens: time
    closes: time


class NeverOpen(ValueError):
    """Nothing falls due within SEARCH_YEARS: the place opens too little, or not at all."""


class SpanTooLong(ValueError):
    """A question spanning more than SPAN_YEARS years: business time is not reckoned so far."""


def to_us(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch."""
    try:
        return (moment - EPOCH) // MICROSECOND
    except TypeError:  # a naive datetime cannot be placed in time
        raise ValueError(
            f"{moment!r} has no time zone; business time needs aware datetimes"
        ) from None


def from_us(us: int, zone: tzinfo | None = UTC) -> datetime:
    return (EPOCH + MICROSECOND * us).astimezone(zone)


def _time_us(moment: time, *, closing: bool = False) -> int:
    if moment.tzinfo is not None:
        raise ValueError("opening hours are wall-clock times, without a time zone")
    us = ((moment.hour * 60 + moment.minute) * 60 + moment.second) * SECOND + moment.microsecond
    return DAY if closing and us == 0 else us


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, with overlapping and touching spans joined."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _without(pieces: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`pieces` minus `holes`, both sorted and disjoint."""
    if not holes:
        return pieces
    kept = []
    h = 0
    for start, end in pieces:
        while h < len(holes) and holes[h][1] <= start:
            h += 1
        k = h
        while k < len(holes) and holes[k][0] < end:
            hole_start, hole_end = holes[k]
            if hole_start > start:
                kept.append((start, hole_start))
            start = max(start, hole_end)
            if start >= end:
                break
            k += 1
        if start < end:
            kept.append((start, end))
    return kept


class _ZoneOffsets:
    """When one zone's UTC offset changes, found by sampling each year once.

    No zone changes its offset twice within SAMPLE_STEP, so a change shows between two
    samples, and halving finds its second.
    """

    _shared: dict[str, "_ZoneOffsets"] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def of(cls, zone: ZoneInfo) -> "_ZoneOffsets":
        with cls._shared_lock:
            found = cls._shared.get(zone.key)
            if found is None:
                found = cls._shared[zone.key] = cls(zone)
            return found

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        # UTC year -> (offset at its start, [instants of change], [offset from then on])
        self._years: dict[int, tuple[int, list[int], list[int]]] = {}

    def _exact(self, us: int) -> int:
        return from_us(us, self.zone).utcoffset() // MICROSECOND

    def _year(self, year: int) -> tuple[int, list[int], list[int]]:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = self._scan(year)
        return found

    def _scan(self, year: int) -> tuple[int, list[int], list[int]]:
        start = (date(year, 1, 1).toordinal() - EPOCH_ORDINAL) * DAY
        end = (date(year + 1, 1, 1).toordinal() - EPOCH_ORDINAL) * DAY
        first = previous = self._exact(start)
        changes, offsets = [], []
        for sample in range(start + SAMPLE_STEP, end + SAMPLE_STEP, SAMPLE_STEP):
            sample = min(sample, end)
            current = self._exact(sample)
            if current != previous:
                changes.append(self._change_between(sample - SAMPLE_STEP, sample, previous))
                offsets.append(current)
                previous = current
        return first, changes, offsets

    def _change_between(self, before: int, after: int, old: int) -> int:
        """The first second in (before, after] with a new offset (tzdata changes on seconds)."""
        low, high = before // SECOND, after // SECOND
        while high - low > 1:
            middle = (low + high) // 2
            if self._exact(middle * SECOND) == old:
                low = middle
            else:
                high = middle
        return high * SECOND

    def offset_at(self, us: int) -> int:
        first, changes, offsets = self._year(_utc_year(us))
        i = bisect_right(changes, us) - 1
        return offsets[i] if i >= 0 else first

    def segments(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """[start, end) cut where the offset changes: (from, until, offset) each."""
        cuts = []
        for year in range(_utc_year(start), _utc_year(end) + 1):
            _, changes, offsets = self._year(year)
            pairs = zip(changes, offsets, strict=True)
            cuts.extend((at, offset) for at, offset in pairs if start < at < end)
        segments, offset = [], self.offset_at(start)
        for at, new_offset in cuts:
            segments.append((start, at, offset))
            start, offset = at, new_offset
        segments.append((start, end, offset))
        return segments


def _utc_year(us: int) -> int:
    return date.fromordinal(EPOCH_ORDINAL + us // DAY).year


class _Timeline:
    """The open pieces of whole local years [first_year, last_year], with running totals.

    Every open instant in [complete_from, complete_until) is in a piece; business time
    counts from the first piece, so only differences of it mean anything.
    """

    __slots__ = (
        "first_year",
        "last_year",
        "complete_from",
        "complete_until",
        "starts",
        "ends",
        "before",
        "through",
    )

    def __init__(self, first_year: int, last_year: int, pieces: list[tuple[int, int]]):
        self.first_year, self.last_year = first_year, last_year
        self.complete_from = (date(first_year, 1, 1).toordinal() - EPOCH_ORDINAL + 2) * DAY
        self.complete_until = (date(last_year + 1, 1, 1).toordinal() - EPOCH_ORDINAL - 2) * DAY
        self.starts, self.ends, self.before, self.through = [], [], [], []
        total = 0
        for start, end in pieces:
            self.starts.append(start)
            self.ends.append(end)
            self.before.append(total)
            total += end - start
            self.through.append(total)

    def covers(self, start: int, end: int) -> bool:
        return self.complete_from <= start and end < self.complete_until

    def joins(self, first_year: int, last_year: int) -> bool:
        """Whether years [first_year, last_year] overlap or touch this timeline's."""
        return first_year <= self.last_year + 1 and self.first_year - 1 <= last_year

    def business_before(self, at: int) -> int:
        i = bisect_right(self.starts, at) - 1
        if i < 0:
            return 0
        return self.before[i] + min(at, self.ends[i]) - self.starts[i]

    def when_business_reaches(self, total: int) -> int | None:
        """The first instant by which `total` of business time has passed, if worked out."""
        i = bisect_left(self.through, total)
        if i == len(self.starts):
            return None
        at = self.starts[i] + total - self.before[i]
        return at if at < self.complete_until else None

    def open_at_or_after(self, at: int) -> int | None:
        """`at` if open, else the start of the next piece, if worked out."""
        i = bisect_right(self.starts, at) - 1
        if i >= 0 and at < self.ends[i]:
            return at
        if i + 1 < len(self.starts) and self.starts[i + 1] < self.complete_until:
            return self.starts[i + 1]
        return None


class BusinessCalendar:
    """Business time of one place: weekly wall-clock hours, holidays and closures.

    `holidays` is a collection of local dates, or a function from a year to that year's
    dates (called once per year, when first needed). `closures` are (start, end) pairs of
    aware datetimes. Without weekly intervals the calendar is always open, and business
    time is wall time.
    """

    def __init__(
        self,
        timezone: str = "UTC",
        intervals: Iterable[WeeklyInterval | tuple[int, time, time]] = (),
        holidays: Collection[date] | Callable[[int], Collection[date]] = (),
        closures: Iterable[tuple[datetime, datetime]] = (),
    ):
        self.zone = ZoneInfo(timezone)
        self._weekly = self._weekly_spans(intervals)
        self.always_open = not any(self._weekly)
        if callable(holidays):
            self._holidays_in = holidays
        else:
            dates = frozenset(holidays)
            self._holidays_in = lambda year: dates
        self._holidays: dict[int, Collection[date]] = {}
        self._closures = _merged(
            (to_us(start), to_us(end)) for start, end in closures if to_us(start) < to_us(end)
        )
        self._offsets = _ZoneOffsets.of(self.zone)
        # Most recently used first; replaced whole under the lock, read without it.
        self._timelines: tuple[_Timeline, ...] = ()
        # Local year -> its open pieces; dicts keep their order, the oldest first.
        self._years: dict[int, list[tuple[int, int]]] = {}
        self.years_worked_out = 0  # how many times a year's pieces were worked out
        self._lock = threading.Lock()

    @staticmethod
    def _weekly_spans(intervals) -> list[list[tuple[int, int]]]:
        spans: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for weekday, opens, closes in intervals:
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
            start, end = _time_us(opens), _time_us(closes, closing=True)
            if start >= end:
                raise ValueError(f"{opens}–{closes} closes before it opens")
            spans[weekday].append((start, end))
        return [_merged(day) for day in spans]

    # What callers ask

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end`; nothing when `end` is not after `start`."""
        start_us, end_us = to_us(start), to_us(end)
        if end_us <= start_us:
            return ZERO
        if self.always_open:
            return MICROSECOND * (end_us - start_us)
        timeline = self._covering(start_us, end_us)
        return MICROSECOND * (timeline.business_before(end_us) - timeline.business_before(start_us))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """When `duration` of business time has passed after `start` (in `start`'s zone).

        No duration (or a negative one) is due at once: `start` if open, else the next opening.
        """
        duration_us = duration // MICROSECOND
        if duration_us <= 0:
            return self.next_open(start)
        start_us = to_us(start)
        if self.always_open:
            return from_us(start_us + duration_us, start.tzinfo)
        horizon = start_us + SEARCH_YEARS * 366 * DAY
        timeline = self._covering(start_us, start_us)
        while True:
            # Totals count from the timeline's first piece, which moves when earlier years
            # are worked out (by another caller, too): reckon the target on this timeline.
            due = timeline.when_business_reaches(timeline.business_before(start_us) + duration_us)
            if due is not None:
                return from_us(due, start.tzinfo)
            if timeline.complete_until > horizon:
                raise NeverOpen(f"not due within {SEARCH_YEARS} years of {start.isoformat()}")
            timeline = self._covering(start_us, min(timeline.complete_until + DAY, horizon))

    def is_open(self, at: datetime) -> bool:
        at_us = to_us(at)
        if self.always_open:
            return True
        return self._covering(at_us, at_us).open_at_or_after(at_us) == at_us

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when open, else the instant the location next opens (in `at`'s zone)."""
        at_us = to_us(at)
        if self.always_open:
            return at
        horizon = at_us + SEARCH_YEARS * 366 * DAY
        timeline = self._covering(at_us, at_us)
        while True:
            opens = timeline.open_at_or_after(at_us)
            if opens == at_us:
                return at
            if opens is not None:
                return from_us(opens, at.tzinfo)
            if timeline.complete_until > horizon:
                raise NeverOpen(f"no opening time within {SEARCH_YEARS} years of {at.isoformat()}")
            timeline = self._covering(at_us, min(timeline.complete_until + DAY, horizon))

    def holidays_in(self, year: int) -> Collection[date]:
        found = self._holidays.get(year)
        if found is None:
            found = self._holidays[year] = self._holidays_in(year)
        return found

    def open_pieces(self, day: date) -> list[tuple[datetime, datetime]]:
        """When the location is open on local date `day`, closures left out (UTC pairs)."""
        pieces = _without(self._day_pieces(day), self._closures)
        return [(from_us(start), from_us(end)) for start, end in pieces]

    # The timeline

    def _covering(self, start: int, end: int) -> _Timeline:
        """A timeline complete from `start` to `end`: one kept, or one of just the years needed.

        A kept timeline that overlaps or touches the years needed grows to take them in
        (add() looks ahead a year at a time) while it stays within SPAN_YEARS; otherwise
        the needed years get a timeline of their own. Never the years in between.
        """
        for timeline in self._timelines:
            if timeline.covers(start, end):
                return timeline
        # A local date's instants lie within a day of its UTC date: a year either side.
        first_year, last_year = _utc_year(start - DAY), _utc_year(end + DAY)
        if first_year < MIN_YEAR or last_year > MAX_YEAR:
            raise ValueError(f"business time is reckoned in years {MIN_YEAR}–{MAX_YEAR}")
        if last_year - first_year + 1 > SPAN_YEARS:
            raise SpanTooLong(
                f"business time is reckoned over at most {SPAN_YEARS} years at a time, "
                f"not {from_us(start).date()} to {from_us(end).date()}"
            )
        with self._lock:
            kept = list(self._timelines)
            for timeline in kept:
                if timeline.covers(start, end):
                    return timeline
            for timeline in kept:
                wider = min(first_year, timeline.first_year), max(last_year, timeline.last_year)
                if timeline.joins(first_year, last_year) and wider[1] - wider[0] < SPAN_YEARS:
                    first_year, last_year = wider
                    kept.remove(timeline)
                    break
            pieces = []
            for year in range(first_year, last_year + 1):
                pieces.extend(self._year_pieces(year))
            pieces = _without(_merged(pieces), self._closures)
            timeline = _Timeline(first_year, last_year, pieces)
            self._timelines = (timeline, *kept[: KEEP_TIMELINES - 1])
            return timeline

    def _year_pieces(self, year: int) -> list[tuple[int, int]]:
        found = self._years.pop(year, None)
        if found is None:
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            found = [
                piece
                for ordinal in range(first, last + 1)
                for piece in self._day_pieces(date.fromordinal(ordinal))
            ]
            self.years_worked_out += 1
            while len(self._years) >= KEEP_YEARS:
                del self._years[next(iter(self._years))]
        self._years[year] = found  # (again) the most recently used
        return found

    def _day_pieces(self, day: date) -> list[tuple[int, int]]:
        """The instants whose local wall clock reads an opening time of `day`."""
        spans = self._weekly[day.weekday()]
        if not spans or day in self.holidays_in(day.year):
            return []
        midnight = (day.toordinal() - EPOCH_ORDINAL) * DAY  # the local midnight, read as UTC
        pieces = []
        for since, until, offset in self._offsets.segments(
            midnight - OFFSET_REACH, midnight + DAY + OFFSET_REACH
        ):
            for opens, closes in spans:
                start = max(since, midnight + opens - offset)
                end = min(until, midnight + closes - offset)
                if start < end:
                    pieces.append((start, end))
        return _merged(pieces)


ALWAYS_OPEN = BusinessCalendar()


# Location id -> (what the calendar was built from, the calendar). Kept per process and
# reused while the location's hours, closures, zone and country read the same, so its
# worked-out years survive from one call to the next.
_built: dict[int, tuple[tuple, BusinessCalendar]] = {}


def calendar_for(location) -> BusinessCalendar:
    """The business calendar of a Location (two queries); always open for None."""
    if location is None:
        return ALWAYS_OPEN
    return calendars_for([location])[location.pk]


def calendars_for(locations) -> dict[int, BusinessCalendar]:
    """{location id: calendar} for several locations in two queries, whatever their number."""
    from helpline.hours.models import Closure, OpeningHours

    locations = {location.pk: location for location in locations}
    intervals: dict[int, list] = {pk: [] for pk in locations}
    closures: dict[int, list] = {pk: [] for pk in locations}
    hours_rows = OpeningHours.objects.filter(location_id__in=list(locations)).order_by(
        "location_id", "weekday", "opens", "closes"
    )
    for pk, weekday, opens, closes in hours_rows.values_list(
        "location_id", "weekday", "opens", "closes"
    ):
        intervals[pk].append(WeeklyInterval(weekday, opens, closes))
    closure_rows = Closure.objects.filter(location_id__in=list(locations)).order_by(
        "location_id", "starts_at", "ends_at"
    )
    for pk, starts_at, ends_at in closure_rows.values_list("location_id", "starts_at", "ends_at"):
        closures[pk].append((starts_at, ends_at))
    return {
        pk: calendar_from(location, tuple(intervals[pk]), tuple(closures[pk]))
        for pk, location in locations.items()
    }


def calendar_from(location, intervals: tuple, closures: tuple) -> BusinessCalendar:
    """The calendar of a location whose rows were read elsewhere (in one query of its own):
    `intervals` WeeklyInterval triples with time values, `closures` (start, end) pairs,
    both in a stable order. Shares calendar_for's cache."""
    from helpline.hours.public_holidays import holidays_in

    country, region = location.country.strip(), location.region.strip()
    source = (location.timezone, country, region, intervals, closures)
    built = _built.get(location.pk)
    if built is not None and built[0] == source:
        return built[1]
    calendar = BusinessCalendar(
        _known_zone(location.timezone),
        intervals,
        holidays=lambda year: holidays_in(country, region, year),
        closures=closures,
    )
    _built[location.pk] = (source, calendar)
    return calendar


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # A typo in a location's zone must not stop the desk: reckon in UTC, and say so.
        log.warning("unknown time zone %r: business time is reckoned in UTC", name)
        return "UTC"
    return name
