"""Bookable slots: inside opening hours, in the future, the agent's booked time left out,
on the location's clock across a change of daylight saving time, and none on a holiday or
during a closure."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpline.appointments import actions, slots
from helpline.core.models import Location
from helpline.hours.actions import add_closure, set_opening_hours
from tests.appointments.conftest import london, next_weekday, utc

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def starts(found, zone=UTC) -> list[str]:
    return [f"{slot.starts_at.astimezone(zone):%a %d %H:%M}" for slot in found]


def test_slots_fill_each_opening_and_stop_before_closing(office_hours, settings):
    settings.HELPLINE_APPOINTMENT_MINUTES = 45
    monday_morning = london(2026, 11, 30, 6, 0)

    found = slots.free_slots(office_hours, days=1, now=monday_morning)

    assert starts(found, ZoneInfo("Europe/London"))[:3] == [
        "Mon 30 09:00",
        "Mon 30 09:45",
        "Mon 30 10:30",
    ]
    # 09:00 + 10 × 45 minutes = 16:30, which would end at 17:15: the last slot is 15:45.
    assert len(found) == 10
    assert found[-1].ends_at == utc(london(2026, 11, 30, 16, 30))
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=45) for slot in found)


def test_only_future_slots_of_the_coming_days(office_hours):
    friday_noon = london(2026, 11, 27, 12, 10)

    found = slots.free_slots(office_hours, days=4, now=friday_noon)

    by_day = slots.by_local_day(found, office_hours)
    assert [day.isoformat() for day, _ in by_day] == ["2026-11-27", "2026-11-30"]  # no weekend
    assert by_day[0][1][0].starts_at == utc(london(2026, 11, 27, 12, 30))
    assert len(by_day[0][1]) == 9 and len(by_day[1][1]) == 16


def test_the_location_clock_keeps_its_hours_across_a_dst_change(db):
    shop = Location.objects.create(name="Berlin", timezone="Europe/Berlin", country="DE")
    set_opening_hours(None, shop, [(day, time(9), time(17)) for day in range(6)])
    friday = datetime(2026, 3, 27, 5, 0, tzinfo=UTC)  # summer time starts Sunday 29 March

    found = slots.free_slots(shop, days=4, now=friday)

    by_day = {day: day_slots for day, day_slots in slots.by_local_day(found, shop)}
    saturday, monday = by_day[datetime(2026, 3, 28).date()], by_day[datetime(2026, 3, 30).date()]
    assert saturday[0].starts_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert monday[0].starts_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert starts(monday, BERLIN)[0] == "Mon 30 09:00" and len(monday) == 16


def test_a_slot_across_the_change_lasts_its_minutes_and_the_clock_skips_an_hour(db):
    night = Location.objects.create(name="Night desk", timezone="Europe/Berlin")
    set_opening_hours(None, night, [(6, time(0), time(6))])  # Sundays, midnight to six
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)

    found = slots.free_slots(night, days=2, now=saturday)

    local = [f"{slot.starts_at.astimezone(BERLIN):%H:%M}" for slot in found]
    # 02:00 becomes 03:00: five real hours, ten slots, and no 02:00 or 02:30 on the clock.
    assert local == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "03:00",
        "03:30",
        "04:00",
        "04:30",
        "05:00",
        "05:30",
    ]
    assert found[3].ends_at == found[4].starts_at


def test_no_slots_on_a_public_holiday(office_hours):
    before_christmas = london(2026, 12, 24, 6, 0)  # Thursday; Friday 25 is Christmas Day

    found = slots.free_slots(office_hours, days=5, now=before_christmas)

    days = [day.isoformat() for day, _ in slots.by_local_day(found, office_hours)]
    # Christmas, the weekend, and Boxing Day observed on Monday 28 are closed.
    assert days == ["2026-12-24"]


def test_no_slots_during_a_closure(office_hours, admin):
    add_closure(admin, office_hours, london(2026, 11, 30, 12, 0), london(2026, 11, 30, 14, 15))

    found = slots.free_slots(office_hours, days=1, now=london(2026, 11, 30, 6, 0))

    local = starts(found, ZoneInfo("Europe/London"))
    assert "Mon 30 11:30" in local and "Mon 30 12:00" not in local
    # The afternoon opens at 14:15, and its slots start from there.
    assert "Mon 30 14:15" in local and "Mon 30 14:00" not in local
    assert len(found) == 6 + 5


def test_a_location_without_hours_is_bookable_around_the_clock(north):
    found = slots.free_slots(north, days=1, now=london(2026, 11, 30, 0, 0))
    assert len(found) == 47  # midnight itself has passed
    assert found[-1].ends_at == utc(london(2026, 12, 1, 0, 0))


def test_the_agents_booked_time_is_not_offered(office_hours, maria, agent_north):
    monday = next_weekday(0, 10)
    actions.book(agent_north, maria, "in_store", monday, agent=agent_north)
    now = monday - timedelta(hours=4)

    nora = starts(slots.free_slots(office_hours, agent=agent_north, days=1, now=now))
    anyone = starts(slots.free_slots(office_hours, days=1, now=now))

    booked = f"{utc(monday):%a %d %H:%M}"
    assert booked in anyone and booked not in nora
    assert len(anyone) - len(nora) == 1
