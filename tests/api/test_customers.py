"""Customers through the API: find, read, create, change, notes and identities."""

import pytest

from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(north):
    return actions.create_customer(
        None,
        name="Maria Lopez",
        location=north,
        identities=[("email", "maria@example.com"), ("phone", "020 7183 8750")],
    )


@pytest.fixture
def otto(north):
    return actions.create_customer(
        None, name="Otto Brandt", location=north, identities=[("email", "otto@example.org")]
    )


def test_it_lists_customers_newest_first_with_their_identities(nora_api, maria, otto):
    body = nora_api.get("/customers").json()

    assert [c["name"] for c in body["items"]] == ["Otto Brandt", "Maria Lopez"]
    assert body["next_cursor"] is None
    assert {i["value"] for i in body["items"][1]["identities"]} == {
        "maria@example.com",
        "+442071838750",
    }
    assert body["items"][1]["location"] == {"id": maria.location_id, "name": "North Street"}


@pytest.mark.parametrize(
    "q", ["maria", "LOPEZ", "example.com", "2071838750", "020 7183 8750", "+44 20 7183"]
)
def test_it_finds_a_customer_by_part_of_a_name_email_or_phone(nora_api, maria, otto, q):
    body = nora_api.get("/customers", q=q).json()

    assert [c["id"] for c in body["items"]] == [maria.pk]


def test_it_filters_customers_by_location(ada_api, maria, south):
    elsewhere = actions.create_customer(None, name="Jonas", location=south)

    body = ada_api.get("/customers", location=south.pk).json()

    assert [c["id"] for c in body["items"]] == [elsewhere.pk]


def test_it_shows_one_customer_with_notes_and_identities(nora_api, agent_north, maria):
    actions.add_note(agent_north, maria, "Prefers phone calls.")

    body = nora_api.get(f"/customers/{maria.pk}").json()

    assert body["name"] == "Maria Lopez"
    assert [n["body"] for n in body["notes"]] == ["Prefers phone calls."]
    assert body["notes"][0]["author"]["username"] == "nora"
    assert len(body["identities"]) == 2


def test_an_agent_creates_a_customer_at_their_location(nora_api, agent_north, north):
    response = nora_api.post(
        "/customers",
        {"name": "Kim Park", "emails": ["Kim@Example.com"], "phones": ["+44 20 7946 0000"]},
    )

    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.location == north
    assert sorted(i.value for i in customer.identities.all()) == [
        "+442079460000",
        "kim@example.com",
    ]
    assert Activity.objects.filter(verb="customer.created", actor=agent_north).exists()


def test_an_agent_of_several_locations_must_say_which(nora_api, agent_north, south):
    agent_north.locations.add(south)

    response = nora_api.post("/customers", {"name": "Kim"})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "location_id"


def test_creating_a_customer_with_a_taken_address_names_the_field(nora_api, maria):
    response = nora_api.post(
        "/customers", {"name": "Imposter", "emails": ["new@example.com", "MARIA@example.com"]}
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": [
            {
                "field": "emails.1",
                "message": "already in use: an address or number belongs to one customer only",
            }
        ]
    }
    assert not Customer.objects.filter(name="Imposter").exists()


def test_creating_a_customer_with_an_invalid_phone_names_the_field(nora_api):
    response = nora_api.post("/customers", {"name": "Kim", "phones": ["call me"]})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "phones.0"


def test_it_renames_a_customer_and_moves_them_to_another_location(ada_api, maria, south):
    response = ada_api.patch(
        f"/customers/{maria.pk}", {"name": "Maria L.", "location_id": south.pk}
    )

    assert response.status_code == 200
    maria.refresh_from_db()
    assert (maria.name, maria.location) == ("Maria L.", south)


def test_an_agent_cannot_move_a_customer_to_a_location_they_do_not_serve(nora_api, maria, south):
    response = nora_api.patch(f"/customers/{maria.pk}", {"location_id": south.pk})

    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "location_id"


def test_it_adds_a_note_to_a_customer(nora_api, agent_north, maria):
    response = nora_api.post(f"/customers/{maria.pk}/notes", {"body": "Called about a refund."})

    assert response.status_code == 201
    assert maria.notes.get().author == agent_north


def test_it_adds_an_identity_normalised(nora_api, maria):
    response = nora_api.post(
        f"/customers/{maria.pk}/identities", {"kind": "email", "value": " Maria@Work.example "}
    )

    assert response.status_code == 201
    assert response.json()["value"] == "maria@work.example"


def test_an_identity_of_another_customer_is_refused_naming_the_field(nora_api, maria, otto):
    response = nora_api.post(
        f"/customers/{otto.pk}/identities", {"kind": "email", "value": "maria@example.com"}
    )

    assert response.status_code == 409
    assert response.json()["detail"][0]["field"] == "value"
