"""BusinessCalendar against a slow reference that decides, minute by minute, "open or not?".

The reference knows nothing of the calendar's pieces and timelines: it steps through UTC
minutes, reads the location's wall clock for each, and asks whether that local date is a
holiday, whether the wall-clock time falls in one of that weekday's intervals, and
whether a closure covers the minute. Random opening hours (several intervals a day, some
days closed, odd minutes), holidays and closures, around the DST changes of London, New
York, Sydney and São Paulo (whose clocks changed at midnight) and New Year at UTC+14.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.hours.calendar import BusinessCalendar, NeverOpen
from helpline.hours.public_holidays import holidays_in

MINUTE = timedelta(minutes=1)
WINDOW_DAYS = 3  # either side of the anchor; the reference steps through every minute

# (zone, a local date something happens on, the country and region whose holidays apply)
ANCHORS = [
    ("Europe/London", date(2025, 3, 30), "GB", "ENG"),  # spring forward at 01:00
    ("Europe/London", date(2025, 10, 26), "GB", "ENG"),  # fall back at 02:00
    ("Europe/London", date(2025, 12, 25), "GB", "ENG"),  # Christmas, Boxing Day
    ("America/New_York", date(2025, 3, 9), "US", ""),  # spring forward at 02:00
    ("America/New_York", date(2025, 11, 2), "US", ""),  # fall back at 02:00
    ("America/New_York", date(2025, 7, 4), "US", ""),  # Independence Day
    ("Australia/Sydney", date(2025, 4, 6), "AU", "NSW"),  # fall back at 03:00
    ("Australia/Sydney", date(2025, 10, 5), "AU", "NSW"),  # spring forward at 02:00
    ("America/Sao_Paulo", date(2018, 2, 17), "BR", ""),  # fell back at midnight, to 23:00
    ("America/Sao_Paulo", date(2018, 11, 4), "BR", ""),  # skipped its midnight
    ("Pacific/Kiritimati", date(2026, 1, 1), "", ""),  # New Year at UTC+14
]
# Minutes of the day near the clock changes (and midnight) come up often.
EDGES = [0, 30, 60, 90, 120, 150, 180, 210, 1380, 1410, 1439, 1440]


@st.composite
def weekly_intervals(draw) -> list[tuple[int, time, time]]:
    intervals = []
    for weekday in range(7):
        minute = st.one_of(st.sampled_from(EDGES), st.integers(0, 1440))
        points = sorted(draw(st.sets(minute, max_size=6)))
        for opens, closes in zip(points[::2], points[1::2], strict=False):
            intervals.append((weekday, _clock(opens), _clock(closes % 1440)))
    return intervals


def _clock(minute: int) -> time:
    return time(minute // 60, minute % 60)


@st.composite
def situations(draw):
    zone_name, anchor, country, region = draw(st.sampled_from(ANCHORS))
    zone = ZoneInfo(zone_name)
    window_start = datetime.combine(anchor, time(), zone).astimezone(UTC) - timedelta(
        days=WINDOW_DAYS
    )
    window_minutes = 2 * WINDOW_DAYS * 24 * 60
    minute_in_window = st.integers(0, window_minutes)
    holidays = set(holidays_in(country, region, anchor.year))
    holidays |= draw(
        st.sets(st.integers(-WINDOW_DAYS, WINDOW_DAYS).map(lambda d: anchor + timedelta(d)))
    )
    closures = []
    for start in draw(st.lists(minute_in_window, max_size=3)):
        length = draw(st.integers(1, 3 * 24 * 60))
        closures.append((window_start + start * MINUTE, window_start + (start + length) * MINUTE))
    queries = draw(st.lists(st.tuples(minute_in_window, minute_in_window), min_size=1, max_size=6))
    return {
        "zone": zone_name,
        "intervals": draw(weekly_intervals()),
        "holidays": holidays,
        "closures": closures,
        "window_start": window_start,
        "window_minutes": window_minutes,
        "queries": queries,
    }


class Reference:
    """Open minutes of the window, decided one at a time from the wall clock."""

    def __init__(self, situation):
        zone = ZoneInfo(situation["zone"])
        self.start = situation["window_start"]
        self.by_weekday = {day: [] for day in range(7)}
        for weekday, opens, closes in situation["intervals"]:
            self.by_weekday[weekday].append((opens, closes))
        self.open = []
        for n in range(situation["window_minutes"]):
            minute = self.start + n * MINUTE
            self.open.append(self._is_open(minute, zone, situation))

    def _is_open(self, minute: datetime, zone: ZoneInfo, situation) -> bool:
        if not situation["intervals"]:
            return True  # no opening hours at all: always open, whatever else is set
        if any(start <= minute < end for start, end in situation["closures"]):
            return False
        local = minute.astimezone(zone)
        if local.date() in situation["holidays"]:
            return False
        wall = local.time()
        return any(
            opens <= wall and (wall < closes or closes == time(0))
            for opens, closes in self.by_weekday[local.weekday()]
        )

    def at(self, n: int) -> datetime:
        return self.start + n * MINUTE

    def elapsed(self, first: int, last: int) -> timedelta:
        return sum(self.open[first:last]) * MINUTE

    def due(self, first: int, minutes: int) -> int | None:
        """The minute index by which `minutes` open minutes have passed; None past the window."""
        counted = 0
        for n in range(first, len(self.open)):
            if minutes == 0 and self.open[n]:
                return n
            counted += self.open[n]
            if minutes and counted == minutes:
                return n + 1
        return None


def _calendar(situation) -> BusinessCalendar:
    return BusinessCalendar(
        situation["zone"],
        situation["intervals"],
        holidays=situation["holidays"],
        closures=situation["closures"],
    )


@settings(max_examples=200, deadline=None, database=None)
@given(situations(), st.lists(st.integers(0, 3 * 24 * 60), min_size=6, max_size=6))
def test_the_calendar_agrees_with_the_wall_clock_minute_by_minute(situation, durations):
    reference, calendar = Reference(situation), _calendar(situation)
    window_end = reference.at(situation["window_minutes"])
    for (first, last), minutes in zip(situation["queries"], durations, strict=False):
        start, end = reference.at(first), reference.at(last)
        expected = reference.elapsed(first, last) if last > first else timedelta(0)
        assert calendar.elapsed(start, end) == expected

        due = calendar.add(start, timedelta(minutes=minutes))
        expected_due = reference.due(first, minutes)
        if expected_due is None:
            assert due >= window_end
        else:
            assert due == reference.at(expected_due)

        if first < situation["window_minutes"]:
            assert calendar.is_open(start) is reference.open[first]
        next_open = reference.due(first, 0)
        if next_open is not None:
            assert calendar.next_open(start) == reference.at(next_open)


@settings(max_examples=100, deadline=None, database=None)
@given(
    weekly_intervals().filter(bool),
    st.sampled_from([zone for zone, *_ in ANCHORS]),
    st.integers(0, 3 * 365 * 24 * 60),
    st.integers(0, 2 * 365 * 24 * 60),
    st.integers(1, 400 * 24 * 60),
)
def test_add_undoes_elapsed_over_months_and_years(intervals, zone, start, span, minutes):
    """Far beyond what the reference can step through: the two must still invert."""
    calendar = BusinessCalendar(zone, intervals, holidays=lambda year: holidays_in("GB", "", year))
    first = datetime(2024, 1, 1, tzinfo=UTC) + start * MINUTE
    duration = timedelta(minutes=minutes)
    try:
        due = calendar.add(first, duration)
    except NeverOpen:  # a few minutes a week take centuries to add up to months
        assert calendar.elapsed(first, first + timedelta(days=19 * 365)) < duration
        return
    assert calendar.elapsed(first, due) == duration
    assert calendar.elapsed(first, due - MINUTE) < duration
    middle = min(first + span * MINUTE, due)
    assert calendar.elapsed(first, middle) + calendar.elapsed(middle, due) == duration
