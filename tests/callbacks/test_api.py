"""/api/callbacks: the open callbacks of the agent's locations, asking for one, and tries."""

import pytest

from helpline.callbacks import actions
from helpline.callbacks.models import Callback, CallbackStatus, Reason
from helpline.core.tokens import issue_token
from helpline.customers.actions import create_customer
from tests.api.conftest import ApiClient
from tests.callbacks.conftest import london

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as():
    return lambda user: ApiClient(issue_token(user, "tests"))


@pytest.fixture
def olga(north):
    return create_customer(None, name="Olga Berg", location=north)


def test_the_list_is_the_agents_open_callbacks_soonest_first_a_page_at_a_time(
    api_as, north, south, agent_north, olga
):
    numbers = ["+447700900003", "+447700900001", "+447700900002"]
    for hour, number in zip([12, 10, 11], numbers, strict=True):
        actions.create_callback(None, olga, number, Reason.REQUESTED, london(2035, 1, 2, hour))
    sven = create_customer(None, name="Sven", location=south)
    actions.create_callback(None, sven, "+4915112345678", Reason.REQUESTED)
    api = api_as(agent_north)

    first = api.get("/callbacks", limit=2).json()
    rest = api.get("/callbacks", limit=2, cursor=first["next_cursor"]).json()

    listed = [c["phone_number"] for c in first["items"] + rest["items"]]
    assert listed == sorted(numbers)
    assert rest["next_cursor"] is None
    assert first["items"][0]["customer_name"] == "Olga Berg"


def test_asking_for_a_callback(api_as, agent_north, olga, office_hours):
    api = api_as(agent_north)
    body = {"customer_id": olga.pk, "phone_number": "07700 900123", "due_at": "2035-01-06T20:00Z"}

    created = api.post("/callbacks", body)
    again = api.post("/callbacks", {**body, "due_at": None})

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["reason"] == "requested" and data["status"] == "open"
    assert data["phone_number"] == "+447700900123"
    assert data["due_at"] == "2035-01-08T09:00:00Z"  # Monday evening: Tuesday at opening
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert again.json()["due_at"] == data["due_at"]


def test_a_bad_request_names_the_field(api_as, agent_north, olga, south):
    api = api_as(agent_north)
    sven = create_customer(None, name="Sven", location=south)

    cases = [
        ({"customer_id": olga.pk, "phone_number": "not a number"}, "phone_number", 400),
        ({"customer_id": sven.pk, "phone_number": "+4915112345678"}, "customer_id", 400),
        ({"customer_id": olga.pk, "phone_number": "+447700900123", "reason": "x"}, "reason", 422),
    ]
    for body, field, status in cases:
        response = api.post("/callbacks", body)
        assert response.status_code == status, response.content
        assert field in [e["field"] for e in response.json()["detail"]]
    assert not Callback.objects.exists()


def test_recording_tries(api_as, agent_north, agent_south, olga):
    callback = actions.create_callback(None, olga, "+447700900123", Reason.REQUESTED)
    path = f"/callbacks/{callback.pk}/attempts"

    hidden = api_as(agent_south).post(path, {"outcome": "reached"})
    busy = api_as(agent_north).post(path, {"outcome": "busy", "note": "Engaged"})
    reached = api_as(agent_north).post(path, {"outcome": "reached"})
    late = api_as(agent_north).post(path, {"outcome": "reached"})
    unknown = api_as(agent_north).post(path, {"outcome": "maybe"})

    assert hidden.status_code == 404
    assert busy.status_code == 201 and busy.json()["attempts"] == 1
    assert reached.status_code == 201 and reached.json()["status"] == CallbackStatus.DONE
    assert late.status_code == 400 and late.json()["detail"][0]["field"] == "outcome"
    assert unknown.status_code == 422
    assert [t.outcome for t in callback.tries.all()] == ["busy", "reached"]
