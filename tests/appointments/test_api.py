"""/api/appointments: the same appointments, slots and changes as the desk, with the same
permissions; a refusal names its field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.appointments import actions
from helpline.appointments.models import Appointment, AppointmentStatus
from helpline.core.tokens import issue_token
from helpline.customers.actions import create_customer
from tests.api.conftest import ApiClient
from tests.appointments.conftest import as_if_past, london, next_weekday, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as():
    return lambda user: ApiClient(issue_token(user, "tests"))


def iso(moment) -> str:
    return utc(moment).isoformat().replace("+00:00", "Z")


def fields(response) -> list:
    return [error["field"] for error in response.json()["detail"]]


def test_booking_and_reading_it_back(api_as, agent_north, maria, maria_conversation):
    api = api_as(agent_north)
    monday = next_weekday(0, 10)

    created = api.post(
        "/appointments",
        {
            "conversation_id": maria_conversation.pk,
            "kind": "callback",
            "starts_at": iso(monday),
            "agent_id": agent_north.pk,
            "phone_number": "07700 900123",
            "note": "About the kettle",
        },
    )

    assert created.status_code == 201, created.content
    data = created.json()
    assert data["customer_id"] == maria.pk and data["customer_name"] == "Maria López"
    assert data["conversation_id"] == maria_conversation.pk
    assert data["kind"] == "callback" and data["status"] == "booked"
    assert data["starts_at"] == iso(monday).replace("+00:00", "Z")
    assert data["timezone"] == "Europe/London"
    assert data["phone_number"] == "+447700900123"
    assert data["agent"]["username"] == "nora" and data["sequence"] == 0
    assert api.get(f"/appointments/{data['id']}").json() == data


def test_a_bad_booking_names_the_field(api_as, agent_north, agent_south, maria, south, north):
    api = api_as(agent_north)
    monday = next_weekday(0, 10)
    sven = create_customer(None, name="Sven", location=south)
    body = {"customer_id": maria.pk, "kind": "in_store", "starts_at": iso(monday)}
    past = timezone.now() - timedelta(hours=1)

    cases = [
        ({**body, "customer_id": sven.pk}, "customer_id", 400),
        ({**body, "location_id": south.pk}, "location_id", 400),
        ({**body, "agent_id": agent_south.pk}, "agent_id", 400),
        ({**body, "starts_at": iso(past)}, "starts_at", 400),
        ({**body, "starts_at": iso(next_weekday(6, 10))}, "starts_at", 400),
        ({**body, "kind": "callback"}, "phone_number", 400),
        ({**body, "starts_at": "2030-01-07T10:00:00"}, "starts_at", 422),  # no time zone
        ({**body, "starts_at": "9999-12-31T23:59:00Z"}, "starts_at", 400),
        ({**body, "kind": "house_call"}, "kind", 422),
        ({"kind": "in_store", "starts_at": iso(monday)}, "customer_id", 400),
    ]
    for sent, field, status in cases:
        response = api.post("/appointments", sent)
        assert response.status_code == status, (field, response.content)
        assert field in fields(response), response.content
    assert not Appointment.objects.exists()


def test_the_list_filters_and_pages(api_as, agent_north, maria, north, south, agent_south):
    monday = next_weekday(0, 10)
    first = actions.book(agent_north, maria, "in_store", monday)
    second = actions.book(agent_north, maria, "in_store", monday + timedelta(days=1))
    third = actions.book(agent_north, maria, "in_store", monday + timedelta(days=2))
    actions.cancel(agent_north, second)
    sven = create_customer(None, name="Sven", location=south)
    actions.book(agent_south, sven, "in_store", timezone.now() + timedelta(days=1))
    api = api_as(agent_north)

    page = api.get("/appointments", limit=2).json()
    rest = api.get("/appointments", limit=2, cursor=page["next_cursor"]).json()
    booked = api.get("/appointments", status="booked").json()
    window = api.get(
        "/appointments",
        **{"from": iso(monday + timedelta(hours=1)), "to": iso(monday + timedelta(days=2))},
    ).json()

    assert [a["id"] for a in page["items"] + rest["items"]] == [first.pk, second.pk, third.pk]
    assert rest["next_cursor"] is None
    assert [a["id"] for a in booked["items"]] == [first.pk, third.pk]
    assert [a["id"] for a in window["items"]] == [second.pk]
    assert api.get("/appointments", location=south.pk).json()["items"] == []
    assert api.get("/appointments", status="maybe").status_code == 422


def test_free_slots(api_as, agent_north, agent_south, maria, office_hours, south):
    monday = next_weekday(0, 10)
    actions.book(agent_north, maria, "in_store", monday, agent=agent_north)
    api = api_as(agent_north)

    everyone = api.get("/appointments/slots", location=office_hours.pk, days=14).json()
    nora = api.get("/appointments/slots", location=office_hours.pk, agent=agent_north.pk).json()

    assert everyone["timezone"] == "Europe/London" and everyone["minutes"] == 30
    starts = [slot["starts_at"] for slot in everyone["slots"]]
    assert iso(monday) in starts and iso(monday) not in [s["starts_at"] for s in nora["slots"]]
    first = everyone["slots"][0]
    assert first["local_starts_at"].endswith(("Z", "+01:00"))  # GMT or BST
    assert api.get("/appointments/slots", location=south.pk).status_code == 404
    elsewhere = api.get("/appointments/slots", location=office_hours.pk, agent=agent_south.pk)
    assert elsewhere.status_code == 400 and fields(elsewhere) == ["agent"]
    assert api.get("/appointments/slots", location=office_hours.pk, days=99).status_code == 422


def test_moving_cancelling_and_outcomes(api_as, agent_north, agent_south, maria):
    monday = next_weekday(0, 10)
    appointment = actions.book(agent_north, maria, "in_store", monday)
    other = actions.book(agent_north, maria, "in_store", monday + timedelta(days=1))
    api, path = api_as(agent_north), f"/appointments/{appointment.pk}"

    hidden = api_as(agent_south).post(f"{path}/cancel", {})
    moved = api.post(f"{path}/reschedule", {"starts_at": iso(monday + timedelta(hours=2))})
    closed = api.post(f"{path}/reschedule", {"starts_at": iso(monday.replace(hour=20))})
    too_soon = api.post(f"{path}/outcome", {"outcome": "missed"})
    as_if_past(appointment)
    missed = api.post(f"{path}/outcome", {"outcome": "missed"})
    late = api.post(f"{path}/cancel", {"reason": "x"})
    cancelled = api.post(f"/appointments/{other.pk}/cancel", {"reason": "Fixed at home"})

    assert hidden.status_code == 404
    assert api_as(agent_south).get(path).status_code == 404
    assert moved.status_code == 200 and moved.json()["sequence"] == 1
    assert moved.json()["starts_at"] == iso(monday + timedelta(hours=2))
    assert closed.status_code == 400 and fields(closed) == ["starts_at"]
    assert too_soon.status_code == 400 and fields(too_soon) == ["outcome"]
    assert missed.status_code == 200 and missed.json()["status"] == AppointmentStatus.MISSED
    assert missed.json()["outcome_by_id"] == agent_north.pk
    assert late.status_code == 400 and fields(late) == ["status"]
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Fixed at home"
    assert api.post(f"{path}/outcome", {"outcome": "gone"}).status_code == 422


def test_the_openapi_document_describes_them(admin_client):
    paths = admin_client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/appointments",
        "/api/appointments/slots",
        "/api/appointments/{appointment_id}",
        "/api/appointments/{appointment_id}/reschedule",
        "/api/appointments/{appointment_id}/cancel",
        "/api/appointments/{appointment_id}/outcome",
    } <= set(paths)
    params = [p["name"] for p in paths["/api/appointments"]["get"]["parameters"]]
    assert {"status", "location", "from", "to", "cursor", "limit"} <= set(params)


def test_list_queries_do_not_grow_with_the_page(
    api_as, agent_north, north, django_assert_max_num_queries
):
    customers = [create_customer(None, name=f"C{i}", location=north) for i in range(12)]
    actions.book(agent_north, customers[0], "in_store", london(2035, 1, 1, 10))
    api = api_as(agent_north)
    with django_assert_max_num_queries(8) as few:
        api.get("/appointments")
    for i, customer in enumerate(customers[1:], start=1):
        actions.book(agent_north, customer, "in_store", london(2035, 1, 1, 10) + timedelta(hours=i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/appointments").json()["items"]) == 12
