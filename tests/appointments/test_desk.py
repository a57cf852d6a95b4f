"""The desk's appointments: the day list with what needs an outcome, its buttons, and the
booking form with its free slots; another location's appointments do not exist."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from helpline.appointments import actions
from helpline.appointments.models import Appointment, AppointmentStatus
from helpline.customers.actions import add_identity, create_customer
from tests.appointments.conftest import as_if_past, next_weekday, utc

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def page_of(response) -> str:
    return response.content.decode()


def test_the_list_shows_upcoming_days_and_what_needs_an_outcome(
    client, maria, north, south, agent_north, agent_south
):
    monday = next_weekday(0, 10)
    upcoming = actions.book(agent_north, maria, "in_store", monday, agent=agent_north)
    olga = create_customer(None, name="Olga Earlier", location=north)
    earlier = as_if_past(
        actions.book(agent_north, olga, "callback", monday, phone_number="+447700900123"), 30
    )
    sven = create_customer(None, name="Sven South", location=south)
    actions.book(agent_south, sven, "in_store", timezone.now() + timedelta(days=2))

    response = signed_in(client, agent_north).get(reverse("desk:appointments"))

    page = page_of(response)
    assert response.status_code == 200
    assert "Sven South" not in page
    outcome_part = page[
        page.index('id="outcome-rows"') : page.index("</ol>", page.index('id="outcome-rows"'))
    ]
    assert "Olga Earlier" in outcome_part and "Needs an outcome" in outcome_part
    assert 'href="tel:+447700900123"' in outcome_part
    assert f"{monday:%A} {monday.day} {monday:%b %Y}" in page
    row = page[page.index(f'id="appointment-{upcoming.pk}"') :]
    assert "10:00–10:30" in row[:2000] and "Nora" in row[:2000]
    assert f'data-id="{earlier.pk}"' in page and f'data-id="{upcoming.pk}"' in page
    # Missed is offered only once it has started.
    assert page.count('value="missed"') == 1
    assert 'aria-current="page">Appointments</a>' in page


def test_the_list_costs_the_same_queries_however_many_rows(
    client, north, agent_north, django_assert_max_num_queries
):
    customers = [create_customer(None, name=f"Customer {i}", location=north) for i in range(12)]
    start = timezone.now() + timedelta(days=1)
    actions.book(agent_north, customers[0], "in_store", start)
    signed_in(client, agent_north)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("desk:appointments"))
    for i, customer in enumerate(customers[1:], start=1):
        appointment = actions.book(agent_north, customer, "in_store", start + timedelta(hours=i))
        if i % 3 == 0:
            as_if_past(appointment, hours_ago=i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("desk:appointments"))
    assert page_of(response).count("data-row") == 12


def _hours_into_today(user) -> float:
    """How long ago the viewer's day began: an appointment started less long ago is today's."""
    now = timezone.localtime(timezone.now(), user.zone())
    return (now - now.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds() / 3600


def test_marking_missed_and_attended(client, maria, agent_north):
    booked = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))
    # Started today in the viewer's zone, whatever the hour the test runs at, so it stays listed.
    appointment = as_if_past(booked, hours_ago=min(2, _hours_into_today(agent_north) / 2))
    url = reverse("desk:appointment-outcome", args=[appointment.pk])

    response = signed_in(client, agent_north).post(url, {"outcome": "missed"})

    assert response.status_code == 302 and response.url == reverse("desk:appointments")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.MISSED
    page = page_of(client.get(response.url))
    assert "Missed: Maria López" in page
    again = client.post(url, {"outcome": "attended"})
    assert again.status_code == 400
    assert f'id="appointment-error-{appointment.pk}"' in page_of(again)
    assert "this appointment is missed" in page_of(again)


def test_a_refusal_about_an_appointment_no_longer_listed_is_said_above_the_list(
    client, maria, agent_north
):
    booked = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))
    yesterday = as_if_past(booked, hours_ago=_hours_into_today(agent_north) + 2)
    url = reverse("desk:appointment-outcome", args=[yesterday.pk])
    signed_in(client, agent_north).post(url, {"outcome": "missed"})

    again = client.post(url, {"outcome": "attended"})

    assert again.status_code == 400
    page = page_of(again)
    assert f'id="appointment-error-{yesterday.pk}"' not in page
    above = page[page.index('id="appointments-error"') - 300 :][:600]
    assert "this appointment is missed" in above


def test_cancelling_with_a_reason(client, maria, agent_north):
    appointment = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))
    url = reverse("desk:appointment-cancel", args=[appointment.pk])

    response = signed_in(client, agent_north).post(url, {"reason": "She fixed it"})

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "She fixed it")
    too_long = client.post(url, {"reason": "x" * 201})
    assert too_long.status_code == 400


def test_another_locations_appointment_does_not_exist(client, south, agent_north, agent_south):
    sven = create_customer(None, name="Sven", location=south)
    appointment = actions.book(agent_south, sven, "in_store", timezone.now() + timedelta(days=2))
    signed_in(client, agent_north)

    for name, data in [
        ("desk:appointment-outcome", {"outcome": "attended"}),
        ("desk:appointment-cancel", {}),
    ]:
        assert client.post(reverse(name, args=[appointment.pk]), data).status_code == 404
    assert client.get(reverse("desk:appointment-new") + f"?customer={sven.pk}").status_code == 404
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_the_booking_form_offers_free_slots_by_day(client, maria_conversation, agent_north):
    maria = maria_conversation.customer
    add_identity(None, maria, "phone", "07700 900123")
    monday = next_weekday(0, 10)
    olga = create_customer(None, name="Olga", location=maria.location)
    actions.book(agent_north, olga, "in_store", monday, agent=agent_north)
    url = reverse("desk:appointment-new") + f"?conversation={maria_conversation.pk}"

    page = page_of(signed_in(client, agent_north).get(url))

    assert f'<optgroup label="{monday:%A} {monday.day} {monday:%B}">' in page
    assert f'value="{utc(monday).isoformat()}"' not in page  # Nora has Olga then
    assert f'value="{utc(monday + timedelta(minutes=30)).isoformat()}"' in page
    assert 'value="+447700900123"' in page  # the phone number, from her identities
    assert f'<option value="{agent_north.pk}" selected>' in page
    assert "Europe/London" in page
    for label in ("Location", "Agent", "Kind", "Time", "Phone number", "Note"):
        assert f">{label}" in page
    anyone = page_of(client.get(url + "&agent="))
    assert f'value="{utc(monday).isoformat()}"' in anyone


def test_booking_from_the_form(client, maria_conversation, agent_north):
    monday = next_weekday(0, 10)
    data = {
        "conversation": maria_conversation.pk,
        "location": maria_conversation.location_id,
        "agent": agent_north.pk,
        "kind": "in_store",
        "starts_at": utc(monday).isoformat(),
        "phone_number": "",
        "note": "Bring the kettle",
    }

    response = signed_in(client, agent_north).post(reverse("desk:appointment-new"), data)

    assert response.status_code == 302, page_of(response)[:3000]
    appointment = Appointment.objects.get()
    assert appointment.conversation == maria_conversation and appointment.agent == agent_north
    assert appointment.note == "Bring the kettle"
    assert "The invitation is queued for sending." in page_of(client.get(response.url))
    taken = client.post(reverse("desk:appointment-new"), data)
    assert taken.status_code == 400
    assert "Nora already has an appointment then" in page_of(taken)
    callback = client.post(
        reverse("desk:appointment-new"), {**data, "kind": "callback", "agent": ""}
    )
    assert callback.status_code == 400
    assert 'id="id_phone_number_error"' in page_of(callback)


def test_without_a_customer_the_page_finds_one_first(client, maria, agent_north):
    page = page_of(
        signed_in(client, agent_north).get(reverse("desk:appointment-new") + "?find=maria")
    )
    assert f'href="?customer={maria.pk}"' in page and "Maria López" in page
