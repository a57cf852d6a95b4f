"""BusinessCalendar's edge cases, by name: DST days, midnight, holidays, closures, no hours."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpline.hours.calendar import ALWAYS_OPEN, BusinessCalendar, NeverOpen, _ZoneOffsets
from helpline.hours.public_holidays import holidays_in

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_5 = [(day, time(9), time(17)) for day in range(5)]


def at(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.mark.parametrize(
    ("zone", "spring_forward", "fall_back"),
    [
        (NEW_YORK, date(2025, 3, 9), date(2025, 11, 2)),
        (LONDON, date(2025, 3, 30), date(2025, 10, 26)),
    ],
)
def test_an_interval_over_the_clock_change_is_as_long_as_the_clock_says(
    zone, spring_forward, fall_back
):
    calendar = BusinessCalendar(zone.key, [(6, time(1), time(3))])  # both days are Sundays
    for day, length in ((spring_forward, hours(1)), (fall_back, hours(3))):
        midnight = datetime.combine(day, time(), zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time(), zone)
        assert calendar.elapsed(midnight, next_midnight) == length
        assert calendar.add(midnight, length) == at(zone, day.year, day.month, day.day, 3)


def test_hours_the_clock_skips_are_never_open():
    calendar = BusinessCalendar("America/New_York", [(6, time(2), time(3))])
    assert calendar.open_pieces(date(2025, 3, 9)) == []
    assert calendar.next_open(at(NEW_YORK, 2025, 3, 9)) == at(NEW_YORK, 2025, 3, 16, 2)


def test_the_hour_the_clock_repeats_is_open_twice():
    calendar = BusinessCalendar("America/New_York", [(6, time(1), time(1, 30))])
    pieces = calendar.open_pieces(date(2025, 11, 2))
    assert [(start.hour, end.hour, end.minute) for start, end in pieces] == [(5, 5, 30), (6, 6, 30)]
    assert calendar.elapsed(at(UTC, 2025, 11, 2), at(UTC, 2025, 11, 3)) == hours(1)


def test_open_over_midnight_runs_on_without_a_break():
    calendar = BusinessCalendar("Europe/London", [(4, time(22), time(0)), (5, time(0), time(2))])
    friday_night = at(LONDON, 2025, 6, 6, 23)
    assert calendar.elapsed(friday_night, at(LONDON, 2025, 6, 7, 3)) == hours(3)
    assert calendar.add(friday_night, hours(2)) == at(LONDON, 2025, 6, 7, 1)
    assert calendar.is_open(at(LONDON, 2025, 6, 7, 0))


def test_a_whole_day_is_midnight_to_midnight():
    calendar = BusinessCalendar("Europe/London", [(2, time(0), time(0))])
    wednesday = at(LONDON, 2025, 6, 4)
    assert calendar.elapsed(wednesday - hours(5), wednesday + hours(30)) == hours(24)


def test_due_at_closing_time_not_at_the_next_opening():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    assert calendar.add(at(LONDON, 2025, 6, 4, 16), hours(1)) == at(LONDON, 2025, 6, 4, 17)
    assert calendar.add(at(LONDON, 2025, 6, 4, 16), hours(2)) == at(LONDON, 2025, 6, 5, 10)
    assert calendar.add(at(LONDON, 2025, 6, 6, 16), hours(2)) == at(LONDON, 2025, 6, 9, 10)


def test_nothing_to_add_is_due_now_if_open_else_at_the_opening():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    open_now = at(LONDON, 2025, 6, 4, 10)
    assert calendar.add(open_now, timedelta(0)) == open_now
    assert calendar.add(at(LONDON, 2025, 6, 4, 17), timedelta(0)) == at(LONDON, 2025, 6, 5, 9)
    assert calendar.add(open_now, -hours(3)) == open_now


def test_opening_and_closing_instants():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    assert calendar.is_open(at(LONDON, 2025, 6, 4, 9))
    assert not calendar.is_open(at(LONDON, 2025, 6, 4, 17))
    assert calendar.next_open(at(LONDON, 2025, 6, 4, 9)) == at(LONDON, 2025, 6, 4, 9)
    assert calendar.next_open(at(LONDON, 2025, 6, 4, 17)) == at(LONDON, 2025, 6, 5, 9)


def test_end_not_after_start_is_no_time():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    noon = at(LONDON, 2025, 6, 4, 12)
    assert calendar.elapsed(noon, noon) == timedelta(0)
    assert calendar.elapsed(noon, noon - hours(2)) == timedelta(0)


def test_answers_keep_the_zone_they_were_asked_in():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    due = calendar.add(at(NEW_YORK, 2025, 6, 4, 11), hours(1))
    assert due.tzinfo is NEW_YORK
    assert due == at(LONDON, 2025, 6, 4, 17)


def test_a_public_holiday_is_closed_all_day():
    calendar = BusinessCalendar(
        "Europe/London", WEEKDAYS_9_TO_5, holidays=lambda year: holidays_in("GB", "ENG", year)
    )
    christmas_eve = at(LONDON, 2025, 12, 24, 16)
    assert calendar.add(christmas_eve, hours(2)) == at(LONDON, 2025, 12, 29, 10)
    assert calendar.elapsed(at(LONDON, 2025, 12, 22), at(LONDON, 2025, 12, 29)) == hours(24)


def test_holidays_are_read_a_year_at_a_time_when_needed():
    asked = []

    def holidays(year):
        asked.append(year)
        return {date(year, 7, 4)}

    calendar = BusinessCalendar("America/New_York", WEEKDAYS_9_TO_5, holidays=holidays)
    assert asked == []
    calendar.elapsed(at(NEW_YORK, 2025, 7, 1), at(NEW_YORK, 2025, 7, 8))
    assert 2025 in asked and 2030 not in asked
    assert not calendar.is_open(at(NEW_YORK, 2025, 7, 4, 12))


def test_closures_take_out_instants_across_days_and_overlap_harmlessly():
    closures = [
        (at(LONDON, 2025, 6, 4, 15), at(LONDON, 2025, 6, 5, 11)),
        (at(LONDON, 2025, 6, 5, 10), at(LONDON, 2025, 6, 5, 12)),
    ]
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5, closures=closures)
    assert calendar.elapsed(at(LONDON, 2025, 6, 4), at(LONDON, 2025, 6, 6)) == hours(6 + 5)
    assert calendar.next_open(at(LONDON, 2025, 6, 4, 16)) == at(LONDON, 2025, 6, 5, 12)


def test_no_opening_hours_is_always_open_in_real_time():
    calendar = BusinessCalendar("Europe/London")
    assert calendar.always_open and ALWAYS_OPEN.always_open
    before_the_change = at(LONDON, 2025, 3, 29, 12)
    due = calendar.add(before_the_change, hours(24))
    assert due == at(LONDON, 2025, 3, 30, 13)  # the clock went forward meanwhile
    assert calendar.elapsed(before_the_change, due) == hours(24)
    assert calendar.next_open(before_the_change) == before_the_change


def test_a_full_week_is_the_same_business_time_in_any_year():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    for year in (2025, 2031, 2047):
        monday = at(LONDON, year, 6, 2) - timedelta(days=at(LONDON, year, 6, 2).weekday())
        assert calendar.elapsed(monday, monday + timedelta(weeks=1)) == hours(40)
    decade = calendar.elapsed(at(UTC, 2025, 1, 6), at(UTC, 2025, 1, 6) + timedelta(weeks=520))
    assert decade == hours(40 * 520)


def test_answers_do_not_depend_on_which_years_were_worked_out_first():
    fresh = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    warmed = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    warmed.add(at(UTC, 2031, 5, 5), hours(500))
    start = at(UTC, 2025, 3, 28, 12)
    assert warmed.add(start, hours(100)) == fresh.add(start, hours(100))
    assert warmed.elapsed(start, at(UTC, 2032, 1, 1)) == fresh.elapsed(start, at(UTC, 2032, 1, 1))


def test_a_location_closed_for_decades_never_falls_due():
    closures = [(at(UTC, 2025, 1, 1), at(UTC, 2070, 1, 1))]
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5, closures=closures)
    with pytest.raises(NeverOpen):
        calendar.add(at(UTC, 2025, 6, 1), hours(1))
    with pytest.raises(NeverOpen):
        calendar.next_open(at(UTC, 2025, 6, 1))


def test_naive_datetimes_are_refused():
    calendar = BusinessCalendar("Europe/London", WEEKDAYS_9_TO_5)
    with pytest.raises(ValueError, match="time zone"):
        calendar.elapsed(datetime(2025, 1, 1), at(UTC, 2025, 1, 2))
    with pytest.raises(ValueError, match="time zone"):
        ALWAYS_OPEN.add(datetime(2025, 1, 1), hours(1))


def test_intervals_that_close_before_they_open_are_refused():
    with pytest.raises(ValueError, match="closes before it opens"):
        BusinessCalendar("UTC", [(0, time(17), time(9))])
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar("UTC", [(7, time(9), time(17))])


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/London",
        "America/Sao_Paulo",
        "Australia/Lord_Howe",
        "Europe/Dublin",
        "Africa/Casablanca",
        "Pacific/Apia",
        "Asia/Kathmandu",
    ],
)
def test_the_offsets_found_are_the_zones_own(zone):
    offsets = _ZoneOffsets.of(ZoneInfo(zone))
    moment = at(UTC, 2010, 1, 1)
    while moment.year < 2027:
        us = (moment - at(UTC, 1970, 1, 1)) // timedelta(microseconds=1)
        assert offsets.offset_at(us) == moment.astimezone(ZoneInfo(zone)).utcoffset() // timedelta(
            microseconds=1
        ), moment
        moment += timedelta(hours=7, minutes=13)
