"""The desk's company, language and custom fields on customers, removing an identity, the
company pages (only what the agent may see) and the custom field definitions (admins)."""

import pytest

from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Company, Customer, CustomField, CustomValue
from helpline.customers.verbs import Verb
from tests.desk.conftest import write_in
from tests.desk.test_customer_pages import client_for, error_of, flashed

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(north):
    return write_in(north, "maria@example.com", "Kettle", "It leaks", name="Maria Lopez").customer


@pytest.fixture
def jonas(south):
    return write_in(south, "jonas@example.de", "Rechnung", "Bitte", name="Jonas Weber").customer


@pytest.fixture
def tier(admin):
    return actions.define_field(
        admin, key="tier", label="Tier", kind="choice", choices=["Gold", "Silver"]
    )


@pytest.fixture
def seats(admin):
    return actions.define_field(admin, key="seats", label="Seats", kind="number")


def details(customer, **changes) -> dict:
    data = {"part": "details", "name": customer.name, "location": customer.location_id}
    return {**data, "company": "", "language": "", **changes}


def test_company_and_language_are_set_on_the_edit_page(maria, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.pk}/edit/", details(maria, company="Acme Kettles", language="de")
    )

    assert response.status_code == 302
    maria.refresh_from_db()
    assert (maria.company.name, maria.language) == ("Acme Kettles", "de")
    page = client_for(agent_north).get(f"/customers/{maria.pk}/").content.decode()
    assert f'href="/companies/{maria.company_id}/">Acme Kettles</a>' in page
    assert "German" in page


def test_custom_values_are_saved_and_shown(maria, tier, seats, agent_north):
    client = client_for(agent_north)

    response = client.post(
        f"/customers/{maria.pk}/edit/", {"part": "fields", "field_tier": "Gold", "field_seats": "3"}
    )

    assert response.status_code == 302
    page = client.get(f"/customers/{maria.pk}/").content.decode()
    assert '<dd data-key="tier"><a href="/customers/?field=tier&amp;value=Gold"' in page
    assert Activity.objects.filter(verb=Verb.FIELDS_CHANGED, subject_id=maria.pk).exists()


def test_a_bad_number_is_refused_next_to_its_field(maria, seats, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.pk}/edit/", {"part": "fields", "field_seats": "a dozen"}
    )

    assert response.status_code == 400
    assert error_of(response, "values", "field_seats") == [
        "Seats: expected a number like 42 or 3.5"
    ]
    assert not CustomValue.objects.exists()


def test_the_list_filters_by_a_custom_value(maria, tier, north, agent_north):
    other = actions.create_customer(None, name="Otto", location=north)
    actions.set_custom_values(None, maria, {"tier": "Gold"})
    actions.set_custom_values(None, other, {"tier": "Silver"})

    response = client_for(agent_north).get("/customers/", {"field": "tier", "value": "gold"})

    assert [c.pk for c in response.context["customers"]] == [maria.pk]
    assert "Customers whose Tier is “Gold”." in response.content.decode()


def test_the_search_finds_a_number_by_its_last_digits(maria, agent_north):
    actions.add_identity(None, maria, "phone", "+44 20 7946 4471")

    response = client_for(agent_north).get("/customers/", {"q": "4471"})

    assert [hit.customer for hit in response.context["hits"]] == [maria]
    assert "+44207946<mark>4471</mark>" in response.content.decode()


def test_an_identity_is_removed_from_the_edit_page_but_not_the_last(maria, agent_north):
    phone = actions.add_identity(None, maria, "phone", "+447700900123")
    email = maria.identities.get(kind="email")
    client = client_for(agent_north)

    edit = client.get(f"/customers/{maria.pk}/edit/").content.decode()
    assert f'action="/customers/{maria.pk}/identities/{email.pk}/remove/"' in edit
    removed = client.post(f"/customers/{maria.pk}/identities/{email.pk}/remove/")
    refused = client.post(f"/customers/{maria.pk}/identities/{phone.pk}/remove/")

    assert removed.status_code == refused.status_code == 302
    assert flashed(refused)[-1].startswith("Not removed: +447700900123 is the customer's only")
    assert list(maria.identities.values_list("value", flat=True)) == ["+447700900123"]
    assert "remove-identity" not in client.get(f"/customers/{maria.pk}/edit/").content.decode()


def test_the_company_page_shows_only_customers_and_conversations_the_agent_may_see(
    maria, jonas, admin, agent_north, agent_south
):
    acme = actions.company_named(admin, "Acme")
    actions.update_customer(admin, maria, company=acme)
    actions.update_customer(admin, jonas, company=acme)

    north_page = client_for(agent_north).get(f"/companies/{acme.pk}/")
    south_page = client_for(agent_south).get(f"/companies/{acme.pk}/")
    admin_page = client_for(admin).get(f"/companies/{acme.pk}/")

    def names(response):
        return [c.name for c in response.context["customers"]]

    def subjects(response):
        return [c.subject for c in response.context["conversations"]]

    assert (names(north_page), subjects(north_page)) == (["Maria Lopez"], ["Kettle"])
    assert (names(south_page), subjects(south_page)) == (["Jonas Weber"], ["Rechnung"])
    assert names(admin_page) == ["Jonas Weber", "Maria Lopez"]
    assert "Jonas" not in north_page.content.decode()
    listed = client_for(agent_south).get("/companies/").context["companies"]
    assert [(c.name, c.customer_count) for c in listed] == [("Acme", 1)]


def test_a_company_that_does_not_exist_is_a_404(agent_north):
    assert client_for(agent_north).get("/companies/999/").status_code == 404


def test_an_admin_defines_edits_and_deletes_a_field(admin, maria):
    client = client_for(admin)

    added = client.post(
        "/customers/fields/",
        {"label": "Tier", "key": "tier", "kind": "choice", "choices": "Gold\nSilver\n"},
    )
    field = CustomField.objects.get()
    edited = client.post(
        f"/customers/fields/{field.pk}/", {"label": "Level", "choices": "Gold\nSilver\nBronze"}
    )
    actions.set_custom_values(admin, maria, {"tier": "Bronze"})
    deleted = client.post(f"/customers/fields/{field.pk}/delete/")

    assert added.status_code == edited.status_code == deleted.status_code == 302
    assert not CustomField.objects.exists() and not CustomValue.objects.exists()
    verbs = set(Activity.objects.filter(subject_type="customfield").values_list("verb", flat=True))
    assert verbs == {Verb.FIELD_DEFINED, Verb.FIELD_CHANGED, Verb.FIELD_DELETED}


def test_a_bad_field_definition_is_refused_next_to_its_field(admin, tier):
    response = client_for(admin).post(
        "/customers/fields/", {"label": "Again", "key": "tier", "kind": "text", "choices": ""}
    )

    assert response.status_code == 400
    assert error_of(response, "form", "key") == ["there is a field 'tier' already"]


def test_only_an_admin_defines_fields(agent_north, tier):
    client = client_for(agent_north)

    assert client.get("/customers/fields/").status_code == 403
    assert client.post(f"/customers/fields/{tier.pk}/delete/").status_code == 403
    assert CustomField.objects.count() == 1
    assert "custom-fields-link" not in client.get("/customers/").content.decode()


def test_a_company_made_for_a_refused_change_is_not_kept(maria, south, agent_north):
    response = client_for(agent_north).post(
        f"/customers/{maria.pk}/edit/", details(maria, company="Ghost Ltd", location=south.pk)
    )

    assert response.status_code == 400
    assert not Company.objects.exists()
    assert Customer.objects.get(pk=maria.pk).company is None
