"""Finding a customer by name, email address, or a phone number written any way."""

import pytest

from helpline.conversations.receive import Inbound, receive
from helpline.search.search import search_customers
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def found(user, query) -> list[int]:
    return [hit.customer.pk for hit in search_customers(user, query)]


@pytest.fixture
def caller(north):
    received = receive(
        Inbound(
            channel="phone",
            identity_kind="phone",
            identity_value="+44 20 7183 8750",
            name="Jürgen Weiß",
            text="Called about a delivery",
            location=north,
        )
    )
    return received.message.conversation.customer


@pytest.fixture
def writer(mailbox):
    received = receive(
        email_from("Maria.Lopez@Example.com", name="María López", text="Hello", mailbox=mailbox)
    )
    return received.message.conversation.customer


@pytest.mark.parametrize(
    "query",
    ["020 7183 8750", "+44 20 7183 8750", "442071838750", "+442071838750", "(020) 7183-8750"],
)
def test_a_phone_number_in_any_format_finds_its_customer(query, caller, agent_north):
    hits = search_customers(agent_north, query)
    assert [hit.customer.pk for hit in hits] == [caller.pk]
    assert hits[0].matched == "phone"
    assert hits[0].snippet == "<mark>+442071838750</mark>"


def test_an_email_address_finds_its_customer_while_typing(writer, agent_north):
    assert found(agent_north, "maria.lopez@example.com") == [writer.pk]
    assert found(agent_north, "MARIA.LOPEZ@EXA") == [writer.pk]


def test_a_name_finds_its_customer_without_accents(writer, caller, agent_north):
    for query in ("maría", "Maria", "lopez", "maria lóp", "jürgen"):
        assert found(agent_north, query) == [writer.pk] if "j" not in query else [caller.pk]
    [hit] = search_customers(agent_north, "lopez")
    assert hit.matched == "name"
    assert hit.snippet == "María <mark>López</mark>"


def test_a_new_customer_is_searchable_at_once(mailbox, agent_north):
    customer = receive(
        email_from("x@example.com", name="Zoë Ångström", text="", mailbox=mailbox)
    ).message.conversation.customer
    assert found(agent_north, "angstrom") == [customer.pk]


def test_an_agent_of_another_location_finds_no_customer_of_this_one(
    writer, caller, agent_south, admin
):
    assert found(agent_south, "maria") == []
    assert found(agent_south, "020 7183 8750") == []
    assert found(agent_south, "maria.lopez@example.com") == []
    assert set(found(admin, "020 7183 8750")) == {caller.pk}
