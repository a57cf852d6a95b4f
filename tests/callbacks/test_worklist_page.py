"""The desk's worklist: open callbacks at the agent's locations, soonest due first, and the
form that records what became of a try."""

import pytest
from django.urls import reverse

from helpline.callbacks import actions
from helpline.callbacks.models import Callback, CallbackStatus, Reason
from helpline.customers.actions import create_customer
from tests.callbacks.conftest import london

pytestmark = pytest.mark.django_db


def callback_for(name, location, number, due_at=None):
    customer = create_customer(None, name=name, location=location)
    return actions.create_callback(None, customer, number, Reason.MISSED_CALL, due_at=due_at)


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_worklist_shows_the_agents_callbacks_soonest_first(client, north, south, agent_north):
    later = callback_for("Lena Later", north, "+447700900002", london(2035, 1, 2, 10, 0))
    overdue = callback_for("Olga Overdue", north, "+447700900001", london(2020, 1, 2, 10, 0))
    callback_for("Sven South", south, "+4915112345678")

    response = signed_in(client, agent_north).get(reverse("desk:callbacks"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Olga Overdue") < page.index("Lena Later")
    assert "Sven South" not in page
    assert f'data-id="{overdue.pk}"' in page and f'data-id="{later.pk}"' in page
    assert 'href="tel:+447700900001"' in page
    assert page.count("Overdue</span>") == 1


def test_the_worklist_costs_the_same_queries_however_many_rows(
    client, north, agent_north, django_assert_max_num_queries
):
    callback_for("One", north, "+447700900001")
    signed_in(client, agent_north)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("desk:callbacks"))
    for n in range(2, 12):
        callback_for(f"Customer {n}", north, f"+4477009000{n:02d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("desk:callbacks"))
    assert response.content.decode().count("data-row") == 11


def test_recording_an_outcome_moves_the_callback_on(client, north, agent_north):
    callback = callback_for("Olga Berg", north, "+447700900001")
    url = reverse("desk:callback-attempt", args=[callback.pk])

    response = signed_in(client, agent_north).post(url, {"outcome": "no_answer", "note": "x"})

    assert response.status_code == 302 and response.url == reverse("desk:callbacks")
    callback.refresh_from_db()
    assert (callback.status, callback.attempts) == (CallbackStatus.OPEN, 1)
    assert callback.tries.get().note == "x"
    page = client.get(response.url).content.decode()
    assert "No answer: Olga Berg is due again" in page


def test_failed_callbacks_are_listed_for_a_manual_look(client, north, agent_north):
    callback = callback_for("Wanda Wrong", north, "+447700900001")
    signed_in(client, agent_north).post(
        reverse("desk:callback-attempt", args=[callback.pk]), {"outcome": "wrong_number"}
    )

    page = client.get(reverse("desk:callbacks")).content.decode()
    failed = page[page.index('id="failed-title"') :]
    assert "Wanda Wrong" in failed and "Wrong number" in failed
    assert "No calls to return." in page


def test_a_refused_outcome_is_shown_by_its_field_with_what_was_typed(client, north, agent_north):
    callback = callback_for("Olga Berg", north, "+447700900001")
    url = reverse("desk:callback-attempt", args=[callback.pk])

    response = signed_in(client, agent_north).post(url, {"outcome": "maybe", "note": "Rang twice"})

    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="outcome-error-{callback.pk}"' in page and "the outcome is one of" in page
    assert 'value="Rang twice"' in page
    assert not callback.tries.exists()


def test_a_callback_at_another_location_does_not_exist(client, south, agent_north):
    callback = callback_for("Sven South", south, "+4915112345678")
    url = reverse("desk:callback-attempt", args=[callback.pk])

    response = signed_in(client, agent_north).post(url, {"outcome": "reached"})

    assert response.status_code == 404
    assert Callback.objects.get().status == CallbackStatus.OPEN


def test_an_admin_sees_every_location(client, north, south, admin):
    callback_for("Nina North", north, "+447700900001")
    callback_for("Sven South", south, "+4915112345678")
    page = signed_in(client, admin).get(reverse("desk:callbacks")).content.decode()
    assert "Nina North" in page and "Sven South" in page
