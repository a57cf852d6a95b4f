"""Companies, languages, custom fields, removing an identity and finding a number by its
last digits: the customers app's actions and the customer search."""

import pytest
from django.db import connection

from helpline.conversations.models import Channel, Message
from helpline.conversations.receive import Inbound, receive
from helpline.core.errors import ActionError
from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Company, Customer, CustomValue, Identity
from helpline.customers.verbs import Verb
from helpline.search import search
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def verbs_of(customer) -> list[str]:
    return list(
        Activity.objects.filter(subject_type="customer", subject_id=customer.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


@pytest.fixture
def jonas(north, agent_north):
    return actions.create_customer(
        agent_north,
        name="Jonas Weber",
        location=north,
        identities=[("email", "jonas@example.de"), ("phone", "+44 20 7946 4471")],
    )


# Companies and language ---------------------------------------------------------


def test_a_company_name_in_any_case_is_the_same_company(agent_north):
    acme = actions.company_named(agent_north, "Acme  Kettles")

    assert actions.company_named(agent_north, "acme kettles") == acme
    assert acme.name == "Acme Kettles"
    assert Company.objects.count() == 1
    assert Activity.objects.filter(verb=Verb.COMPANY_CREATED).count() == 1


def test_company_and_language_are_changed_and_logged(jonas, agent_north):
    acme = actions.company_named(agent_north, "Acme")

    actions.update_customer(agent_north, jonas, company=acme, language="de")

    jonas.refresh_from_db()
    assert (jonas.company, jonas.language) == (acme, "de")
    changed = Activity.objects.filter(verb=Verb.UPDATED, subject_id=jonas.pk).latest("id")
    assert changed.data["before"] == {"company": "None", "language": ""}


def test_a_language_mail_is_not_written_in_is_refused(jonas, agent_north):
    with pytest.raises(ActionError) as refused:
        actions.update_customer(agent_north, jonas, language="xx")
    assert refused.value.field == "language"


# Custom fields ------------------------------------------------------------------


@pytest.fixture
def fields(admin):
    return {
        "contract": actions.define_field(admin, key="contract", label="Contract", kind="text"),
        "seats": actions.define_field(admin, key="seats", label="Seats", kind="number"),
        "renewal": actions.define_field(admin, key="renewal", label="Renewal", kind="date"),
        "tier": actions.define_field(
            admin, key="tier", label="Tier", kind="choice", choices=["Gold", "Silver"]
        ),
    }


def stored(customer) -> dict[str, str]:
    return dict(CustomValue.objects.filter(customer=customer).values_list("field__key", "value"))


def test_values_are_kept_in_one_form_per_kind_and_logged(jonas, fields, agent_north):
    changed = actions.set_custom_values(
        agent_north,
        jonas,
        {"contract": " C-77 ", "seats": "12.50", "renewal": "2027-03-01", "tier": "gold"},
    )

    assert changed == stored(jonas)
    assert stored(jonas) == {
        "contract": "C-77",
        "seats": "12.5",
        "renewal": "2027-03-01",
        "tier": "Gold",
    }
    logged = Activity.objects.filter(verb=Verb.FIELDS_CHANGED).get()
    assert logged.data["before"] == {"contract": "", "seats": "", "renewal": "", "tier": ""}


def test_an_empty_value_removes_it_and_an_unchanged_one_logs_nothing(jonas, fields, agent_north):
    actions.set_custom_values(agent_north, jonas, {"seats": 3, "tier": "Silver"})

    actions.set_custom_values(agent_north, jonas, {"seats": None, "tier": "Silver"})
    actions.set_custom_values(agent_north, jonas, {"tier": "silver"})

    assert stored(jonas) == {"tier": "Silver"}
    assert Activity.objects.filter(verb=Verb.FIELDS_CHANGED).count() == 2


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("seats", "twelve"),
        ("seats", True),
        ("seats", "NaN"),
        ("renewal", "next spring"),
        ("renewal", "2027-02-30"),
        ("tier", "Bronze"),
        ("contract", 17),
        ("contract", "x" * 501),
        ("nosuchfield", "1"),
    ],
)
def test_a_value_not_of_its_kind_is_refused_naming_the_field(
    jonas, fields, agent_north, key, value
):
    with pytest.raises(ActionError) as refused:
        actions.set_custom_values(agent_north, jonas, {"contract": "C-1", key: value})

    assert refused.value.field == key
    assert stored(jonas) == {}  # nothing of the request was kept


def test_a_field_key_is_checked_and_unique(admin, fields):
    for key in ("Contract", "1st", "has space", ""):
        with pytest.raises(ActionError) as refused:
            actions.define_field(admin, key=key, label="X", kind="text")
        assert refused.value.field == "key"
    with pytest.raises(ActionError):
        actions.define_field(admin, key="contract", label="Again", kind="text")
    with pytest.raises(ActionError) as refused:
        actions.define_field(admin, key="size", label="Size", kind="choice", choices=[" "])
    assert refused.value.field == "choices"


def test_deleting_a_field_deletes_its_values(jonas, fields, admin):
    actions.set_custom_values(admin, jonas, {"tier": "Gold", "seats": 2})

    actions.delete_field(admin, fields["tier"])

    assert stored(jonas) == {"seats": "2"}
    assert Activity.objects.filter(verb=Verb.FIELD_DELETED).get().data["values"] == 1


# Removing an identity -----------------------------------------------------------


def test_removing_an_identity_is_logged_and_keeps_its_messages(north, agent_north):
    conversation = write_in(north, "old@example.com", "Hello", name="Ann Old")
    customer = conversation.customer
    kept = actions.add_identity(agent_north, customer, "email", "ann@example.com")
    old = Identity.objects.get(value="old@example.com")

    actions.remove_identity(agent_north, old)

    assert list(customer.identities.all()) == [kept]
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert Message.objects.get(conversation=conversation).identity is None
    removed = Activity.objects.filter(verb=Verb.IDENTITY_REMOVED).get()
    assert removed.data == {"kind": "email", "value": "old@example.com"}
    assert removed.actor == agent_north


def test_the_last_identity_is_never_removed(north, agent_north):
    customer = write_in(north, "only@example.com", "Hello").customer

    with pytest.raises(ActionError) as refused:
        actions.remove_identity(agent_north, customer.identities.get())

    assert refused.value.field == "identity"
    assert customer.identities.count() == 1
    assert Verb.IDENTITY_REMOVED not in verbs_of(customer)


def test_an_agent_cannot_remove_an_identity_of_a_customer_she_does_not_serve(jonas, agent_south):
    with pytest.raises(ActionError):
        actions.remove_identity(agent_south, jonas.identities.first())
    assert jonas.identities.count() == 2


# Finding a number by its last digits ---------------------------------------------


def test_a_number_is_found_by_its_last_digits(jonas, north, agent_north):
    other = actions.create_customer(
        agent_north, name="Other", location=north, identities=[("phone", "+44 20 7946 4470")]
    )

    for query in ("4471", "46 4471", "9464471"):
        hits = search.search_customers(agent_north, query)
        assert [(hit.customer, hit.matched) for hit in hits] == [(jonas, "phone")], query
    assert search.search_customers(agent_north, "4471")[0].snippet == "+44207946<mark>4471</mark>"
    assert [hit.customer for hit in search.search_customers(agent_north, "4470")] == [other]
    assert search.search_customers(agent_north, "7946") == []  # the middle is not the end


def test_last_digits_ending_in_nine_are_found_too(north, agent_north):
    nines = actions.create_customer(
        agent_north, name="Nines", location=north, identities=[("phone", "+447700900999")]
    )
    actions.create_customer(
        agent_north, name="Zeros", location=north, identities=[("phone", "+447700901000")]
    )

    assert [hit.customer for hit in search.search_customers(agent_north, "0999")] == [nines]
    assert [hit.customer for hit in search.search_customers(agent_north, "999")] == []  # < 4


def test_last_digits_find_only_customers_the_agent_serves(jonas, agent_south):
    assert search.search_customers(agent_south, "4471") == []


def test_a_number_that_arrived_with_a_call_is_found_by_its_last_digits(north, agent_north):
    inbound = Inbound(
        channel=Channel.PHONE,
        identity_kind="phone",
        identity_value="+4930901820",
        location=north,
        text="Anruf",
    )
    customer = receive(inbound).message.conversation.customer

    assert [hit.customer for hit in search.search_customers(agent_north, "1820")] == [customer]


def test_the_last_digits_lookup_uses_the_index(jonas):
    if connection.vendor != "sqlite":
        pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
    from helpline.customers.identities import ending_with

    sql, params = Identity.objects.filter(ending_with("4471")).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())

    assert "digits_reversed" in plan and "INDEX" in plan, plan


def test_a_custom_value_finds_its_customer(jonas, fields, agent_north, agent_south):
    actions.set_custom_values(agent_north, jonas, {"contract": "C-4471-X", "tier": "Gold"})

    (hit,) = search.search_customers(agent_north, "c-4471-x")
    assert (hit.customer, hit.matched) == (jonas, "field")
    assert [h.customer for h in search.search_customers(agent_north, "gold")] == [jonas]
    assert search.search_customers(agent_south, "C-4471-X") == []


def test_merging_keeps_the_customers_own_custom_values(jonas, fields, north, agent_north):
    other = actions.create_customer(agent_north, name="J. Weber", location=north)
    actions.set_custom_values(agent_north, other, {"seats": 4})

    actions.merge(agent_north, other, jonas)

    # Values stay with the merged customer, so undoing the merge needs nothing back.
    assert stored(other) == {"seats": "4"} and stored(jonas) == {}
    assert Customer.objects.get(pk=other.pk).merged_into == jonas
