"""Canned replies: placeholders filled by plain substitution, and who may use which."""

import pytest

from helpline.conversations.canned import placeholder_values, render
from helpline.conversations.models import CannedReply
from helpline.conversations.receive import receive
from tests.conftest import email_from

VALUES = {
    "customer.first_name": "Maria",
    "customer.name": "Maria Lopez",
    "agent.first_name": "Nora",
    "agent.name": "Nora North",
    "conversation.id": "42",
    "conversation.subject": "Order 123",
}


def test_every_known_placeholder_is_filled():
    body = (
        "Hello {{customer.first_name}} ({{customer.name}}), about #{{conversation.id}} "
        "“{{conversation.subject}}”. — {{agent.first_name}} / {{agent.name}}"
    )
    assert render(body, VALUES) == (
        "Hello Maria (Maria Lopez), about #42 “Order 123”. — Nora / Nora North"
    )


def test_whitespace_inside_the_braces_is_allowed():
    assert (
        render("Hi {{ customer.first_name }}!{{  agent.name\t}}", VALUES) == "Hi Maria!Nora North"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "{{customer.__class__}}",
        "{{ customer.__class__.__init__.__globals__ }}",
        "{{agent.password}}",
        "{{conversation.customer.identities}}",
        "{{ customer.name|upper }}",
        "{% debug %}",
        "{{customer.first_name",
        "{{}}",
        "{{ settings.SECRET_KEY }}",
    ],
)
def test_anything_else_is_left_exactly_as_typed(typed):
    assert render(f"before {typed} after", VALUES) == f"before {typed} after"


def test_a_value_is_inserted_as_text_and_never_filled_in_again():
    values = {**VALUES, "customer.name": "{{agent.name}} <b>"}
    assert render("{{customer.name}}", values) == "{{agent.name}} <b>"


@pytest.mark.django_db
def test_the_values_come_from_the_customer_the_agent_and_the_conversation(north, agent_north):
    agent_north.last_name = "North"
    conversation = receive(
        email_from(name="Maria Lopez", subject="Order 123", location=north)
    ).message.conversation

    values = placeholder_values(conversation.customer, agent_north, conversation)

    assert values == {
        "customer.first_name": "Maria",
        "customer.name": "Maria Lopez",
        "agent.first_name": "Nora",
        "agent.name": "Nora North",
        "conversation.id": str(conversation.pk),
        "conversation.subject": "Order 123",
    }


@pytest.mark.django_db
def test_an_agent_sees_the_shared_replies_and_those_of_their_locations(
    north, south, agent_north, admin
):
    shared = CannedReply.objects.create(title="Thanks", body="Thank you!")
    northern = CannedReply.objects.create(title="Opening hours", body="9-5", location=north)
    southern = CannedReply.objects.create(title="Öffnungszeiten", body="9-17", location=south)

    assert list(CannedReply.objects.visible_to(agent_north)) == [northern, shared]
    assert set(CannedReply.objects.visible_to(admin)) == {shared, northern, southern}
