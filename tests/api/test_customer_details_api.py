"""The API's companies, languages, custom fields and identity removal on customers."""

import pytest

from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Company, CustomValue
from helpline.customers.verbs import Verb

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(admin):
    actions.define_field(admin, key="contract", label="Contract", kind="text")
    actions.define_field(admin, key="seats", label="Seats", kind="number")
    actions.define_field(admin, key="renewal", label="Renewal", kind="date")
    actions.define_field(admin, key="tier", label="Tier", kind="choice", choices=["Gold", "Silver"])


@pytest.fixture
def maria(north_conversation):
    return north_conversation.customer


def errors(response) -> list[str | None]:
    return [error["field"] for error in response.json()["detail"]]


def test_custom_fields_are_written_and_read_by_kind(nora_api, maria, fields):
    response = nora_api.patch(
        f"/customers/{maria.pk}",
        {
            "custom_fields": {
                "contract": "C-9",
                "seats": 12,
                "renewal": "2027-03-01",
                "tier": "gold",
            }
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["custom_fields"] == {
        "contract": "C-9",
        "seats": 12,
        "renewal": "2027-03-01",
        "tier": "Gold",
    }
    again = nora_api.patch(f"/customers/{maria.pk}", {"custom_fields": {"seats": 2.5}})
    assert again.json()["custom_fields"]["seats"] == 2.5
    removed = nora_api.patch(f"/customers/{maria.pk}", {"custom_fields": {"contract": None}})
    assert "contract" not in removed.json()["custom_fields"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"seats": "many"}, "custom_fields.seats"),
        ({"seats": True}, "custom_fields.seats"),
        ({"renewal": "31/12/2027"}, "custom_fields.renewal"),
        ({"tier": "Bronze"}, "custom_fields.tier"),
        ({"contract": ["a"]}, "custom_fields.contract"),
        ({"colour": "red"}, "custom_fields.colour"),
    ],
)
def test_a_bad_custom_value_is_a_400_naming_the_field_and_changes_nothing(
    nora_api, maria, fields, values, field
):
    response = nora_api.patch(
        f"/customers/{maria.pk}",
        {"name": "Maria Renamed", "custom_fields": {"contract": "C-1", **values}},
    )

    assert response.status_code == 400
    assert errors(response) == [field]
    maria.refresh_from_db()
    assert maria.name == "Maria Lopez"  # the whole request is refused
    assert not CustomValue.objects.exists()


def test_a_language_not_offered_is_a_422_naming_it(nora_api, maria):
    response = nora_api.patch(f"/customers/{maria.pk}", {"language": "xx"})

    assert response.status_code == 422
    assert errors(response) == ["language"]


def test_company_and_language_are_set_and_cleared(nora_api, maria):
    response = nora_api.patch(f"/customers/{maria.pk}", {"company": "Acme", "language": "de"})

    body = response.json()
    acme = Company.objects.get()
    assert body["company"] == {"id": acme.pk, "name": "Acme"}
    assert body["language"] == "de"
    same = nora_api.patch(f"/customers/{maria.pk}", {"company": "ACME"})
    assert same.json()["company"]["id"] == acme.pk and Company.objects.count() == 1
    cleared = nora_api.patch(f"/customers/{maria.pk}", {"company": None, "language": ""})
    assert (cleared.json()["company"], cleared.json()["language"]) == (None, "")


def test_a_customer_is_created_with_company_language_and_fields(nora_api, north, fields):
    response = nora_api.post(
        "/customers",
        {
            "name": "Jonas",
            "location_id": north.pk,
            "emails": ["jonas@example.de"],
            "company": "Weber GmbH",
            "language": "de",
            "custom_fields": {"tier": "Silver"},
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["company"]["name"], body["language"]) == ("Weber GmbH", "de")
    assert body["custom_fields"] == {"tier": "Silver"}


def test_a_refused_value_on_create_creates_nothing(nora_api, north, fields):
    response = nora_api.post(
        "/customers",
        {"name": "Jonas", "location_id": north.pk, "custom_fields": {"seats": "x"}},
    )

    assert response.status_code == 400 and errors(response) == ["custom_fields.seats"]
    assert not Company.objects.exists()
    assert (
        not Activity.objects.filter(verb=Verb.CREATED, subject_type="customer")
        .exclude(data__channel="email")
        .exists()
    )


def test_customers_are_filtered_by_a_custom_value_and_by_company(nora_api, maria, fields, north):
    other = actions.create_customer(None, name="Other", location=north)
    actions.set_custom_values(None, maria, {"tier": "Gold"})
    actions.set_custom_values(None, other, {"tier": "Silver"})
    actions.update_customer(None, other, company=actions.company_named(None, "Acme"))

    gold = nora_api.get("/customers", field="tier", value="gold")
    acme = nora_api.get("/customers", company=Company.objects.get().pk)

    assert [c["id"] for c in gold.json()["items"]] == [maria.pk]
    assert [c["id"] for c in acme.json()["items"]] == [other.pk]
    bad = nora_api.get("/customers", field="tier", value="Bronze")
    assert bad.status_code == 400 and errors(bad) == ["value"]
    unknown = nora_api.get("/customers", field="colour", value="red")
    assert unknown.status_code == 400 and errors(unknown) == ["field"]


def test_an_identity_is_removed_but_never_the_last(nora_api, maria):
    phone = actions.add_identity(None, maria, "phone", "+44 20 7946 4471")
    email = maria.identities.get(kind="email")

    assert nora_api.delete(f"/customers/{maria.pk}/identities/{email.pk}").status_code == 204
    last = nora_api.delete(f"/customers/{maria.pk}/identities/{phone.pk}")

    assert last.status_code == 400 and errors(last) == ["identity_id"]
    assert [i.value for i in maria.identities.all()] == ["+442079464471"]


def test_an_identity_of_another_customer_is_a_404(nora_api, maria, north):
    other = actions.create_customer(
        None, name="Other", location=north, identities=[("email", "o@example.com")]
    )
    actions.add_identity(None, other, "phone", "+447700900123")

    response = nora_api.delete(f"/customers/{maria.pk}/identities/{other.identities.first().pk}")

    assert response.status_code == 404
    assert other.identities.count() == 2


def test_a_company_counts_only_the_customers_you_serve(nora_api, sam_api, maria):
    actions.update_customer(None, maria, company=actions.company_named(None, "Acme"))
    acme = Company.objects.get()

    assert nora_api.get(f"/companies/{acme.pk}").json()["customer_count"] == 1
    assert sam_api.get(f"/companies/{acme.pk}").json()["customer_count"] == 0
    assert [c["name"] for c in nora_api.get("/companies", q="acm").json()] == ["Acme"]
    assert sam_api.get("/customers", company=acme.pk).json()["items"] == []


def test_custom_field_definitions_are_listed(nora_api, fields):
    response = nora_api.get("/customer-fields")

    assert [(f["key"], f["kind"]) for f in response.json()] == [
        ("contract", "text"),
        ("seats", "number"),
        ("renewal", "date"),
        ("tier", "choice"),
    ]
