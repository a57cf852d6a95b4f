"""A date centuries away costs what a date next week does: only its own years are worked out.

A calendar that had worked out this year used to work out every year from here to a date
asked about (9800 took 30 s and 600 MB). These tests count the years a calendar reads
holidays for (it does once per year it works out) and check the answers themselves;
they never time anything.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.hours.calendar import SPAN_YEARS, BusinessCalendar, SpanTooLong

LONDON = ZoneInfo("Europe/London")
WEEKDAYS_9_TO_5 = [(day, time(9), time(17)) for day in range(5)]
# Weekdays and dates repeat every 400 Gregorian years (146,097 days, 20,871 whole weeks),
# and so do the zone rules that tzdata gives for the years after its last listed change.
CYCLE = 400


def recording_calendar(zone: str = "Europe/London", intervals=WEEKDAYS_9_TO_5):
    asked: set[int] = set()

    def holidays(year):
        asked.add(year)
        return {date(year, 1, 1), date(year, 12, 25)}

    return BusinessCalendar(zone, intervals, holidays=holidays), asked


def shifted(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)


def test_a_date_centuries_away_works_out_only_its_own_years():
    calendar, asked = recording_calendar()
    today = datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert calendar.add(today, timedelta(hours=2)) == datetime(2026, 3, 4, 12, tzinfo=UTC)
    years_for_today = set(asked)

    new_year = datetime(9800, 1, 1, 10, tzinfo=LONDON)  # a Wednesday, and a holiday
    assert not calendar.is_open(new_year)
    assert calendar.next_open(new_year) == datetime(9800, 1, 2, 9, tzinfo=LONDON)
    assert calendar.add(new_year, timedelta(hours=9)) == datetime(9800, 1, 3, 10, tzinfo=LONDON)
    assert calendar.elapsed(new_year, datetime(9800, 1, 9, 17, tzinfo=LONDON)) == timedelta(
        hours=6 * 8
    )
    far_years = asked - years_for_today
    assert far_years <= {9799, 9800, 9801}
    assert calendar.years_worked_out <= len(years_for_today) + 3


def test_a_question_spanning_centuries_is_refused_without_working_them_out():
    calendar, asked = recording_calendar()
    start = datetime(2026, 3, 4, 10, tzinfo=UTC)
    with pytest.raises(SpanTooLong):
        calendar.elapsed(start, datetime(9800, 1, 1, tzinfo=UTC))
    with pytest.raises(SpanTooLong):
        calendar.elapsed(start, shifted(start, SPAN_YEARS))
    assert asked == set()
    decade = calendar.elapsed(start, shifted(start, 10))
    assert timedelta(hours=8 * 250 * 10) < decade < timedelta(hours=8 * 262 * 10)


def test_the_calendar_remembers_a_bounded_number_of_years():
    calendar, _ = recording_calendar()
    for century in range(21, 99):
        calendar.is_open(datetime(century * 100, 6, 1, 12, tzinfo=UTC))
    assert len(calendar._years) <= 2 * SPAN_YEARS
    assert len(calendar._timelines) <= 4


@st.composite
def weekly_hours(draw):
    intervals = []
    for weekday in range(7):
        if draw(st.booleans()):
            opens = draw(st.integers(0, 22 * 60))
            closes = draw(st.integers(opens + 60, 24 * 60))
            intervals.append(
                (weekday, time(opens // 60, opens % 60), time(closes // 60 % 24, closes % 60))
            )
    return intervals


@settings(max_examples=60, deadline=None, database=None)
@given(
    weekly_hours().filter(bool),
    st.sampled_from(["UTC", "Europe/London", "America/New_York", "Australia/Sydney"]),
    st.integers(2500, 9500),
    st.integers(0, 365 * 24 * 60),
    st.integers(1, 7 * 24 * 60),
    st.integers(0, 90 * 24 * 60),
)
def test_centuries_away_the_answers_repeat_with_the_calendar_and_stay_cheap(
    intervals, zone, year, minute, duration_minutes, span_minutes
):
    """Far past tzdata's last listed change, year Y and Y - 400 have the same weekdays and
    clock changes: every answer is the same, 400 years apart, warmed up with today or not."""
    far, far_asked = recording_calendar(zone, intervals)
    far.is_open(datetime.now(UTC))  # what a running desk has worked out already
    near, _ = recording_calendar(zone, intervals)
    start = datetime(year, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)
    earlier = shifted(start, -CYCLE)
    duration = timedelta(minutes=duration_minutes)
    span = timedelta(minutes=span_minutes)

    assert far.is_open(start) == near.is_open(earlier)
    assert shifted(far.next_open(start), -CYCLE) == near.next_open(earlier)
    due = far.add(start, duration)
    assert shifted(due, -CYCLE) == near.add(earlier, duration)
    assert far.elapsed(start, due) == duration
    assert far.elapsed(start, start + span) == near.elapsed(earlier, earlier + span)
    # The years from `start` to the answer (an hour a week takes years to add 150 hours)
    # and those of today, never the centuries between.
    assert all(start.year - 2 <= asked <= due.year + 2 or asked < 2100 for asked in far_asked)


def test_an_hour_a_week_far_away_asks_only_for_the_years_it_spans():
    """Found by the property above: adding 156 business hours at an hour a week runs three
    years past the start, and those years (not the centuries before) are what it asks."""
    far, far_asked = recording_calendar("UTC", [(4, time(0), time(1))])
    start = datetime(2500, 1, 1, tzinfo=UTC)
    due = far.add(start, timedelta(minutes=9361))
    assert due.year == 2503
    assert far_asked and all(2498 <= asked <= 2505 for asked in far_asked)
