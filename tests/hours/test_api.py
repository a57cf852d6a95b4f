"""/api/locations/{id}/hours, closures and business-time, for every kind of caller."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from helpline.core.models import Activity, Role, User
from helpline.hours import actions
from helpline.hours.models import Closure

pytestmark = pytest.mark.django_db

WEEK = {
    "intervals": [
        {"weekday": 0, "opens": "09:00", "closes": "12:30"},
        {"weekday": 0, "opens": "13:30", "closes": "18:00"},
        {"weekday": 5, "opens": "22:00", "closes": "00:00"},
    ]
}


@pytest.fixture
def callers(api_for, admin, manager_north, agent_north, agent_south):
    nowhere = User.objects.create_user("nick", role=Role.AGENT)
    return {
        "admin": api_for(admin),
        "manager_north": api_for(manager_north),
        "agent_north": api_for(agent_north),
        "agent_south": api_for(agent_south),
        "agent_nowhere": api_for(nowhere),
        "signed_out": api_for(None),
    }


@pytest.fixture
def closure(north, admin):
    now = timezone.now()
    return actions.add_closure(
        admin, north, now + timedelta(days=1), now + timedelta(days=2), "Storm"
    )


def _requests(north, closure):
    base = f"/locations/{north.pk}"
    business_time = f"{base}/business-time?start=2025-06-02T08:00:00Z&end=2025-06-03T08:00:00Z"
    start, end = timezone.now() + timedelta(days=5), timezone.now() + timedelta(days=6)
    return {
        "read hours": ("get", f"{base}/hours"),
        "business time": ("get", business_time),
        "set hours": ("put", f"{base}/hours", WEEK),
        "add closure": (
            "post",
            f"{base}/closures",
            {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "reason": "Refit"},
        ),
        "remove closure": ("delete", f"{base}/closures/{closure.pk}"),
    }


def _call(api, method, path, body=None):
    if method == "get":
        return api.client.get(f"/api{path}")
    if method == "delete":
        return api.delete(path)
    return getattr(api, method)(path, body)


READS = {"read hours", "business time"}
# Who gets what: reading is for everyone serving the location, changing for its managers.
EXPECTED = {
    "admin": {
        "read hours": 200,
        "business time": 200,
        "set hours": 200,
        "add closure": 201,
        "remove closure": 204,
    },
    "manager_north": {
        "read hours": 200,
        "business time": 200,
        "set hours": 200,
        "add closure": 201,
        "remove closure": 204,
    },
    "agent_north": {
        "read hours": 200,
        "business time": 200,
        "set hours": 403,
        "add closure": 403,
        "remove closure": 403,
    },
    "agent_south": dict.fromkeys(READS | {"set hours", "add closure", "remove closure"}, 404),
    "agent_nowhere": dict.fromkeys(READS | {"set hours", "add closure", "remove closure"}, 404),
    "signed_out": dict.fromkeys(READS | {"set hours", "add closure", "remove closure"}, 401),
}


@pytest.mark.parametrize("caller", sorted(EXPECTED))
@pytest.mark.parametrize("request_name", sorted(EXPECTED["admin"]))
def test_who_gets_what(callers, north, closure, caller, request_name):
    response = _call(callers[caller], *_requests(north, closure)[request_name])
    assert response.status_code == EXPECTED[caller][request_name], response.content
    changed = Activity.objects.exclude(verb="location.closure_added", data__reason="Storm")
    changed = changed.filter(verb__startswith="location.")
    assert changed.exists() is (
        response.status_code in (200, 201, 204) and request_name not in READS
    )
    if response.status_code == 403:
        (error,) = response.json()["detail"]
        assert "only an admin or a manager of North Street" in error["message"]
    if response.status_code == 404:
        assert response.json() == {"detail": [{"field": None, "message": "Not found"}]}


def test_reading_hours(callers, north, admin, closure, django_assert_max_num_queries):
    actions.set_opening_hours(admin, north, [(day, time(9), time(17)) for day in range(7)])
    past = timezone.now() - timedelta(days=3)
    actions.add_closure(admin, north, past, past + timedelta(hours=1), "Long gone")
    # Token, its stamp, the agent's locations, the location, the calendar (2), hours, closures.
    with django_assert_max_num_queries(8):
        response = callers["agent_north"].get(f"/locations/{north.pk}/hours")
    body = response.json()
    assert body["location"] == {"id": north.pk, "name": "North Street"}
    assert (body["timezone"], body["country"], body["region"]) == ("Europe/London", "GB", "")
    assert body["always_open"] is False
    assert len(body["intervals"]) == 7
    assert body["intervals"][0] == {
        "weekday": 0,
        "weekday_name": "Monday",
        "opens": "09:00:00",
        "closes": "17:00:00",
    }
    assert [c["reason"] for c in body["closures"]] == ["Storm"]
    assert "Christmas Day" in {holiday["name"] for holiday in body["holidays"]}
    assert len(body["holidays"]) < 20


def test_reading_costs_the_same_however_many_hours_and_closures(
    callers, north, admin, django_assert_max_num_queries
):
    actions.set_opening_hours(
        admin, north, [(day, time(hour), time(hour, 30)) for day in range(7) for hour in range(12)]
    )
    soon = timezone.now() + timedelta(days=1)
    for n in range(30):
        actions.add_closure(
            admin, north, soon + timedelta(days=n), soon + timedelta(days=n, hours=1)
        )
    with django_assert_max_num_queries(8):
        response = callers["agent_north"].get(f"/locations/{north.pk}/hours")
    assert len(response.json()["intervals"]) == 84 and len(response.json()["closures"]) == 30


def test_without_hours_a_location_is_always_open(callers, north):
    body = callers["agent_north"].get(f"/locations/{north.pk}/hours").json()
    assert body["always_open"] is True and body["open_now"] is True
    assert body["intervals"] == []


def test_setting_hours_returns_the_new_week(callers, north, manager_north):
    response = callers["manager_north"].put(f"/locations/{north.pk}/hours", WEEK)
    assert response.status_code == 200
    assert [(i["weekday"], i["opens"], i["closes"]) for i in response.json()["intervals"]] == [
        (0, "09:00:00", "12:30:00"),
        (0, "13:30:00", "18:00:00"),
        (5, "22:00:00", "00:00:00"),
    ]
    logged = Activity.objects.get(verb="location.hours_set")
    assert logged.actor == manager_north and logged.subject_id == north.pk


@pytest.mark.parametrize(
    ("intervals", "status", "field"),
    [
        ([{"weekday": 0, "opens": "09:00", "closes": "08:00"}], 400, "intervals.0.closes"),
        (
            [
                {"weekday": 1, "opens": "09:00", "closes": "17:00"},
                {"weekday": 1, "opens": "12:00", "closes": "19:00"},
            ],
            400,
            "intervals.1.opens",
        ),
        ([{"weekday": 9, "opens": "09:00", "closes": "17:00"}], 422, "intervals.0.weekday"),
        ([{"weekday": 1, "opens": "9 o'clock", "closes": "17:00"}], 422, "intervals.0.opens"),
        ([{"weekday": 1, "opens": "09:00Z", "closes": "17:00"}], 400, "intervals.0.opens"),
    ],
)
def test_bad_hours_name_the_field(callers, north, intervals, status, field):
    response = callers["admin"].put(f"/locations/{north.pk}/hours", {"intervals": intervals})
    assert response.status_code == status
    assert response.json()["detail"][0]["field"] == field
    assert not north.opening_hours.exists()


def test_adding_and_removing_a_closure(callers, north, admin):
    api = callers["admin"]
    response = api.post(
        f"/locations/{north.pk}/closures",
        {
            "starts_at": "2030-06-04T09:00:00+01:00",
            "ends_at": "2030-06-04T18:00:00+01:00",
            "reason": "Stocktaking",
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["starts_at"] == "2030-06-04T08:00:00Z" and created["reason"] == "Stocktaking"
    listed = api.get(f"/locations/{north.pk}/hours").json()["closures"]
    assert [c["id"] for c in listed] == [created["id"]]

    assert api.delete(f"/locations/{north.pk}/closures/{created['id']}").status_code == 204
    assert not Closure.objects.exists()
    assert api.delete(f"/locations/{north.pk}/closures/{created['id']}").status_code == 404


def test_a_closure_is_removed_only_through_its_own_location(callers, north, south, admin):
    closure = actions.add_closure(
        admin, south, datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC)
    )
    response = callers["admin"].delete(f"/locations/{north.pk}/closures/{closure.pk}")
    assert response.status_code == 404
    assert Closure.objects.filter(pk=closure.pk).exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"starts_at": "2030-06-04T09:00:00", "ends_at": "2030-06-05T09:00:00Z"}, 422, "starts_at"),
        ({"starts_at": "2030-06-05T09:00:00Z", "ends_at": "2030-06-04T09:00:00Z"}, 400, "ends_at"),
        (
            {"starts_at": "2300-06-04T09:00:00Z", "ends_at": "2300-06-05T09:00:00Z"},
            400,
            "starts_at",
        ),
        (
            {
                "starts_at": "2030-06-04T09:00:00Z",
                "ends_at": "2030-06-05T09:00:00Z",
                "reason": "x" * 201,
            },
            422,
            "reason",
        ),
    ],
)
def test_bad_closures_name_the_field(callers, north, body, status, field):
    response = callers["admin"].post(f"/locations/{north.pk}/closures", body)
    assert response.status_code == status
    assert response.json()["detail"][0]["field"] == field


def test_business_time_between_two_instants_and_when_due(callers, north, admin):
    actions.set_opening_hours(admin, north, [(day, time(9), time(17)) for day in range(5)])
    api = callers["agent_north"]
    path = f"/locations/{north.pk}/business-time"
    elapsed = api.get(path, start="2025-12-24T16:00:00Z", end="2025-12-29T10:00:00Z").json()
    assert elapsed["elapsed_seconds"] == 2 * 3600 and elapsed["due"] is None
    due = api.get(path, start="2025-12-24T16:00:00+00:00", duration_minutes=120).json()
    assert due["due"] == "2025-12-29T10:00:00Z" and due["elapsed_seconds"] is None
    assert due["timezone"] == "Europe/London"


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"start": "2025-06-02T08:00:00Z"}, 400, "end"),
        (
            {"start": "2025-06-02T08:00:00Z", "end": "2025-06-03T08:00:00Z", "duration_minutes": 5},
            400,
            "end",
        ),
        ({"start": "2025-06-02T08:00:00", "end": "2025-06-03T08:00:00Z"}, 422, "start"),
        ({"start": "1900-06-02T08:00:00Z", "duration_minutes": 5}, 400, "start"),
        ({"start": "2025-06-02T08:00:00Z", "end": "2099-06-03T08:00:00Z"}, 400, "end"),
        ({"start": "2025-06-02T08:00:00Z", "duration_minutes": -1}, 422, "duration_minutes"),
    ],
)
def test_bad_business_time_questions_name_the_field(callers, north, params, status, field):
    response = callers["agent_north"].get(f"/locations/{north.pk}/business-time", **params)
    assert response.status_code == status
    assert response.json()["detail"][0]["field"] == field


def test_a_location_that_never_opens_has_nothing_due(callers, north, admin):
    actions.set_opening_hours(admin, north, [(0, time(9), time(17))])
    actions.add_closure(
        admin, north, datetime(2025, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
    )
    api = callers["agent_north"]
    response = api.get(
        f"/locations/{north.pk}/business-time", start="2025-06-02T08:00:00Z", duration_minutes=60
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "duration_minutes"
    body = api.get(f"/locations/{north.pk}/hours").json()
    assert body["open_now"] is False and body["next_open"] is None
