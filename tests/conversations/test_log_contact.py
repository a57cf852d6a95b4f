"""Logging a phone call or a visit: the customer's contact is received, ours is a response."""

import pytest

from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions
from helpline.conversations.models import Channel, Delivery, Direction, Message, Status
from helpline.conversations.receive import receive
from helpline.core.models import Activity
from helpline.customers.models import Identity, IdentityKind
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(north):
    received = receive(
        email_from(name="Maria Lopez", subject="Order 123", text="Where is it?", location=north)
    )
    return received.message.conversation


def logged_activity(conversation):
    return Activity.objects.get(verb="conversation.contact_logged", subject_id=conversation.pk)


def test_a_call_from_the_customer_is_received_from_their_phone_number(conversation, agent_north):
    phone = Identity.objects.create(
        customer=conversation.customer, kind=IdentityKind.PHONE, value="+442071838750"
    )
    actions.reply(agent_north, conversation, "It ships today.")

    message = actions.log_contact(
        agent_north,
        conversation,
        channel=Channel.PHONE,
        text="Calls: not here",
        direction="inbound",
    )

    conversation.refresh_from_db()
    assert message.conversation_id == conversation.pk
    assert (message.direction, message.channel) == (Direction.INBOUND, Channel.PHONE)
    assert message.identity == phone
    assert message.author == agent_north  # who logged it
    assert message.text == "Calls: not here"
    # We talked with them: their contact and our response at once, so nobody waits.
    assert conversation.waiting_since is None
    assert conversation.last_customer_message_at == message.created_at
    assert logged_activity(conversation).data == {
        "message_id": message.pk,
        "channel": "phone",
        "direction": "inbound",
    }
    received = Activity.objects.get(verb="message.received", data__message_id=message.pk)
    assert received.actor == agent_north


def test_a_visit_reopens_a_solved_conversation(conversation, agent_north):
    actions.set_status(agent_north, conversation, Status.SOLVED)

    actions.log_contact(
        agent_north, conversation, channel=Channel.WALK_IN, text="Came by", direction="inbound"
    )

    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.solved_at is None


def test_a_call_about_a_closed_conversation_starts_a_follow_up_at_its_location(
    conversation, agent_north
):
    actions.set_status(agent_north, conversation, Status.CLOSED)

    message = actions.log_contact(
        agent_north, conversation, channel=Channel.PHONE, text="One more thing", direction="inbound"
    )

    follow_up = message.conversation
    assert follow_up.pk != conversation.pk
    assert follow_up.customer_id == conversation.customer_id
    assert follow_up.location_id == conversation.location_id
    assert follow_up.subject == "Order 123"
    assert logged_activity(follow_up).actor == agent_north
    conversation.refresh_from_db()
    assert conversation.status == Status.CLOSED


def test_our_call_is_a_response_without_any_email(conversation, agent_north):
    message = actions.log_contact(
        agent_north, conversation, channel=Channel.PHONE, text="Told her", direction="outbound"
    )

    conversation.refresh_from_db()
    message.refresh_from_db()
    assert (message.direction, message.channel) == (Direction.OUTBOUND, Channel.PHONE)
    assert message.author == agent_north
    assert message.delivery == Delivery.NOT_APPLICABLE
    assert conversation.first_response_at == message.created_at
    assert conversation.waiting_since is None
    assert conversation.status == Status.OPEN
    assert conversation.last_message_at == message.created_at
    assert not OutboundEmail.objects.exists()
    assert logged_activity(conversation).data["direction"] == "outbound"


def test_a_later_call_keeps_the_first_response_time(conversation, agent_north):
    first = actions.reply(agent_north, conversation, "On it.")
    receive(email_from(text="Still nothing", conversation=conversation))

    actions.log_contact(
        agent_north, conversation, channel=Channel.PHONE, text="Called back", direction="outbound"
    )

    conversation.refresh_from_db()
    assert conversation.first_response_at == first.created_at
    assert conversation.waiting_since is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": Channel.EMAIL, "text": "x", "direction": "inbound"}, "channel"),
        ({"channel": "carrier-pigeon", "text": "x", "direction": "inbound"}, "channel"),
        ({"channel": Channel.PHONE, "text": "x", "direction": "note"}, "direction"),
        ({"channel": Channel.PHONE, "text": "  \n", "direction": "outbound"}, "text"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(conversation, agent_north, fields, field):
    before = Message.objects.count(), Activity.objects.count()

    with pytest.raises(actions.ActionError) as error:
        actions.log_contact(agent_north, conversation, **fields)

    assert error.value.field == field
    assert (Message.objects.count(), Activity.objects.count()) == before
