"""Setting hours and closures through the actions, and calendar_for reading them back."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpline.core.errors import ActionError
from helpline.core.models import Activity, Location
from helpline.hours import actions
from helpline.hours.calendar import ALWAYS_OPEN, calendar_for, calendars_for
from helpline.hours.models import Closure, OpeningHours

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
SPLIT_WEEK = [
    *[(day, time(9), time(12, 30)) for day in range(5)],
    *[(day, time(13, 30), time(18)) for day in range(5)],
    (5, time(10), time(16)),
]


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


def test_setting_hours_replaces_the_week_and_is_logged(north, admin):
    actions.set_opening_hours(admin, north, [(0, time(8), time(12))])
    actions.set_opening_hours(admin, north, SPLIT_WEEK)
    rows = list(north.opening_hours.values_list("weekday", "opens", "closes"))
    assert sorted(rows) == sorted(SPLIT_WEEK)
    logged = Activity.objects.filter(verb="location.hours_set", subject_id=north.pk).first()
    assert logged.actor == admin
    assert logged.data["before"] == [[0, "08:00:00", "12:00:00"]]
    assert [5, "10:00:00", "16:00:00"] in logged.data["after"]


def test_no_intervals_means_always_open(north, admin):
    actions.set_opening_hours(admin, north, SPLIT_WEEK)
    actions.set_opening_hours(admin, north, [])
    assert not north.opening_hours.exists()
    assert calendar_for(north).always_open


def test_midnight_closes_the_day(north, admin):
    actions.set_opening_hours(admin, north, [(4, time(18), time(0)), (5, time(0), time(0))])
    assert calendar_for(north).elapsed(at(2025, 6, 6), at(2025, 6, 8)) == timedelta(hours=30)


@pytest.mark.parametrize(
    ("intervals", "field", "message"),
    [
        ([(0, time(9), time(17)), (0, time(16), time(18))], "intervals.1.opens", "overlaps"),
        ([(0, time(18), time(0)), (0, time(20), time(21))], "intervals.1.opens", "overlaps"),
        ([(0, time(9), time(17)), (1, time(17), time(9))], "intervals.1.closes", "after"),
        ([(0, time(9), time(9))], "intervals.0.closes", "after"),
        ([(7, time(9), time(17))], "intervals.0.weekday", "weekday"),
        ([(0, "09:00", time(17))], "intervals.0.opens", "time of day"),
        ([(0, time(9, tzinfo=UTC), time(17))], "intervals.0.opens", "without a time zone"),
    ],
)
def test_bad_hours_name_the_field_and_change_nothing(north, admin, intervals, field, message):
    actions.set_opening_hours(admin, north, [(0, time(8), time(12))])
    with pytest.raises(ActionError, match=message) as refused:
        actions.set_opening_hours(admin, north, intervals)
    assert refused.value.field == field
    assert list(north.opening_hours.values_list("opens", flat=True)) == [time(8)]


def test_touching_intervals_are_fine(north, admin):
    actions.set_opening_hours(admin, north, [(0, time(9), time(12)), (0, time(12), time(17))])
    assert north.opening_hours.count() == 2


def test_a_closure_is_added_logged_and_taken_back(north, admin):
    actions.set_opening_hours(admin, north, SPLIT_WEEK)
    closure = actions.add_closure(
        admin, north, at(2025, 6, 4, 9), at(2025, 6, 5, 12, 30), "  Stocktaking "
    )
    assert closure.reason == "Stocktaking"
    calendar = calendar_for(north)
    assert not calendar.is_open(at(2025, 6, 4, 10))
    assert calendar.next_open(at(2025, 6, 4, 10)) == at(2025, 6, 5, 13, 30)
    added = Activity.objects.get(verb="location.closure_added")
    assert (added.subject_id, added.data["closure_id"]) == (north.pk, closure.pk)

    actions.remove_closure(admin, closure)
    assert not Closure.objects.exists()
    assert Activity.objects.get(verb="location.closure_removed").data["reason"] == "Stocktaking"
    assert calendar_for(north).is_open(at(2025, 6, 4, 10))


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "reason", "field"),
    [
        (datetime(2025, 6, 4, 9), at(2025, 6, 5), "", "starts_at"),
        (at(2025, 6, 5), at(2025, 6, 4), "", "ends_at"),
        (at(2025, 6, 5), at(2025, 6, 5), "", "ends_at"),
        (at(1900, 6, 5), at(2025, 6, 5), "", "starts_at"),
        (at(2025, 6, 4), at(2025, 6, 5), "x" * 201, "reason"),
        (at(2025, 6, 4), at(2025, 6, 5), "a\x00b", "reason"),
    ],
)
def test_bad_closures_name_the_field(north, admin, starts_at, ends_at, reason, field):
    with pytest.raises(ActionError) as refused:
        actions.add_closure(admin, north, starts_at, ends_at, reason)
    assert refused.value.field == field
    assert not Closure.objects.exists() and not Activity.objects.exists()


def test_who_may_manage_hours(north, south, admin, agent_north):
    from helpline.core.models import Role, User

    manager = User.objects.create_user("mona", role=Role.MANAGER)
    manager.locations.add(north)
    assert actions.may_manage_hours(admin, south)
    assert actions.may_manage_hours(manager, north)
    assert not actions.may_manage_hours(manager, south)
    assert not actions.may_manage_hours(agent_north, north)


def test_calendar_for_reads_hours_closures_and_the_countrys_holidays(
    north, admin, django_assert_num_queries
):
    actions.set_opening_hours(admin, north, SPLIT_WEEK)
    actions.add_closure(admin, north, at(2025, 12, 29, 9), at(2025, 12, 29, 12, 30), "Inventory")
    with django_assert_num_queries(2):
        calendar = calendar_for(north)
    # Mon–Wed 8 h each; Christmas and Boxing Day off; Saturday 6 h; Monday morning closed.
    christmas_week = calendar.elapsed(at(2025, 12, 22), at(2025, 12, 29, 13, 30))
    assert christmas_week == timedelta(hours=3 * 8 + 6)
    assert calendar_for(None) is ALWAYS_OPEN


def test_calendar_for_is_reused_until_something_it_depends_on_changes(north, admin):
    actions.set_opening_hours(admin, north, SPLIT_WEEK)
    first = calendar_for(north)
    assert calendar_for(Location.objects.get(pk=north.pk)) is first

    actions.add_closure(admin, north, at(2025, 6, 4, 9), at(2025, 6, 4, 12), "Storm")
    second = calendar_for(north)
    assert second is not first and not second.is_open(at(2025, 6, 4, 10))

    north.timezone = "America/New_York"
    third = calendar_for(north)
    assert third is not second and third.zone.key == "America/New_York"

    actions.set_opening_hours(admin, north, [(2, time(9), time(10))])
    assert calendar_for(north).elapsed(at(2025, 6, 2), at(2025, 6, 9)) == timedelta(hours=1)


def test_a_country_or_zone_unknown_to_the_desk_still_gives_a_calendar(north, admin):
    north.timezone, north.country = "Europe/Atlantis", "XX"
    actions.set_opening_hours(admin, north, [(day, time(9), time(17)) for day in range(7)])
    calendar = calendar_for(north)
    assert calendar.zone.key == "UTC"
    christmas = datetime(2025, 12, 25, 12, tzinfo=UTC)
    assert calendar.is_open(christmas)


def test_region_holidays_apply(north, admin):
    north.region = "SCT"  # Scotland has 2 January off; England does not
    actions.set_opening_hours(admin, north, [(day, time(9), time(17)) for day in range(7)])
    assert not calendar_for(north).is_open(at(2026, 1, 2, 12))
    north.region = "ENG"
    assert calendar_for(north).is_open(at(2026, 1, 2, 12))


def test_calendars_for_many_locations_in_two_queries(
    north, south, admin, django_assert_num_queries
):
    actions.set_opening_hours(admin, north, SPLIT_WEEK)
    actions.add_closure(admin, south, at(2025, 6, 4), at(2025, 6, 5), "")
    more = [Location.objects.create(name=f"Shop {n}", timezone="Europe/Paris") for n in range(5)]
    with django_assert_num_queries(2):
        calendars = calendars_for([north, south, *more])
    assert not calendars[north.pk].always_open
    assert calendars[south.pk].always_open and calendars[more[0].pk].always_open
    assert date(2025, 12, 25) in calendars[north.pk].holidays_in(2025)
    assert OpeningHours.objects.count() == len(SPLIT_WEEK)
