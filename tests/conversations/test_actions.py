"""Agents' operations on conversations: each one validated, logged and transactional."""

import pytest

from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions
from helpline.conversations.models import Conversation, Delivery, Direction, Status
from helpline.conversations.receive import receive
from helpline.core.models import Activity, Team
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(mailbox):
    received = receive(
        email_from(
            name="Maria Lopez",
            subject="Order 123",
            text="Where is it?",
            external_id="q1@example.com",
            mailbox=mailbox,
        )
    )
    return received.message.conversation


def test_a_reply_is_queued_in_the_outbox_with_threading_headers(conversation, agent_north):
    message = actions.reply(agent_north, conversation, "It ships today.")
    outbound = OutboundEmail.objects.get(message=message)
    conversation.refresh_from_db()
    message.refresh_from_db()

    assert message.direction == Direction.OUTBOUND
    assert message.delivery == Delivery.QUEUED
    assert outbound.to == ["maria@example.com"]
    assert outbound.from_header == "Shop Support <support@shop.test>"
    assert outbound.subject == f"Re: Order 123 [#{conversation.pk}]"
    assert outbound.in_reply_to == "<q1@example.com>"
    assert "<q1@example.com>" in outbound.references
    assert message.external_id == outbound.message_id_header.strip("<>")
    assert outbound.message_id_header.endswith("@shop.test>")
    assert conversation.first_response_at == message.created_at
    assert conversation.status == Status.OPEN
    assert Activity.objects.filter(verb="conversation.replied", actor=agent_north).exists()


def test_a_reply_without_text_is_refused_and_nothing_is_written(conversation, agent_north):
    with pytest.raises(actions.ActionError) as error:
        actions.reply(agent_north, conversation, "   ")
    assert error.value.field == "text"
    assert not OutboundEmail.objects.exists()


def test_a_note_stays_internal(conversation, agent_north):
    note = actions.add_note(agent_north, conversation, "Called the courier.")
    assert note.direction == Direction.NOTE
    assert not OutboundEmail.objects.exists()


def test_an_agent_of_another_location_cannot_be_assigned(conversation, agent_north, agent_south):
    actions.assign(agent_north, conversation, assignee=agent_north)
    assert conversation.assignee == agent_north

    with pytest.raises(actions.ActionError) as error:
        actions.assign(agent_north, conversation, assignee=agent_south)
    assert error.value.field == "assignee"


def test_a_team_of_another_location_cannot_be_given(conversation, agent_north, south):
    shared = Team.objects.create(name="Care")
    elsewhere = Team.objects.create(name="South desk", location=south)
    actions.assign(agent_north, conversation, team=shared)
    assert conversation.team == shared

    with pytest.raises(actions.ActionError) as error:
        actions.assign(agent_north, conversation, team=elsewhere)
    assert error.value.field == "team"
    conversation.refresh_from_db()
    assert conversation.team == shared


def test_solving_stamps_the_time_and_reopening_clears_it(conversation, agent_north):
    actions.set_status(agent_north, conversation, Status.SOLVED)
    assert conversation.solved_at is not None
    actions.set_status(agent_north, conversation, Status.OPEN)
    assert conversation.solved_at is None
    logged = Activity.objects.filter(verb="conversation.status_changed").first()
    assert (logged.data["before"], logged.data["after"]) == ("solved", "open")


def test_an_unknown_status_names_the_field(conversation, agent_north):
    with pytest.raises(actions.ActionError) as error:
        actions.set_status(agent_north, conversation, "archived")
    assert error.value.field == "status"


def test_tags_are_normalised(conversation, agent_north):
    actions.set_tags(agent_north, conversation, ["Refund", " refund", "VIP", ""])
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["refund", "vip"]


def test_a_conversation_has_at_most_fifty_tags_whoever_sets_them(conversation, agent_north):
    actions.set_tags(agent_north, conversation, ["vip"])
    with pytest.raises(actions.ActionError) as error:
        actions.set_tags(agent_north, conversation, [f"tag-{n}" for n in range(51)])
    assert error.value.field == "tags"
    assert list(conversation.tags.values_list("name", flat=True)) == ["vip"]
    # Fifty, and duplicates that normalise to one name, are fine.
    actions.set_tags(agent_north, conversation, [f"Tag-{n % 50}" for n in range(3000)])
    assert conversation.tags.count() == 50


def test_an_agent_logs_a_walk_in(agent_north, north):
    from helpline.customers.actions import create_customer

    customer = create_customer(
        agent_north, name="Tom Baker", location=north, identities=[("phone", "07700 900123")]
    )
    conversation = actions.start_conversation(
        agent_north, customer, channel="walk_in", subject="Repair", text="Brought in a kettle"
    )
    message = conversation.messages.get()
    assert message.author == agent_north
    assert message.channel == "walk_in"
    assert conversation.location == north
    assert customer.identities.get().value == "+447700900123"


def test_an_action_decides_from_the_row_not_from_the_callers_stale_copy(conversation, agent_north):
    """Before, `update` took its "before" from the caller's copy: a page loaded before a
    colleague's change logged a history that never happened."""
    stale = Conversation.objects.get(pk=conversation.pk)  # a page loaded a while ago
    actions.set_status(agent_north, conversation, Status.PENDING)  # a colleague's change

    returned = actions.set_status(agent_north, stale, Status.SOLVED)

    logged = Activity.objects.filter(verb="conversation.status_changed").order_by("-id").first()
    assert (logged.data["before"], logged.data["after"]) == ("pending", "solved")
    assert stale.status == returned.status == Status.SOLVED  # the caller's copy is kept true
    assert stale.solved_at == returned.solved_at is not None


def test_named_actions_refuse_values_they_do_not_know(conversation, agent_north):
    with pytest.raises(actions.ActionError) as error:
        actions.set_priority(agent_north, conversation, "whenever")
    assert error.value.field == "priority"
    assert actions.rename(agent_north, conversation, "Order 123\r\nBcc: x@y").subject == (
        "Order 123 Bcc: x@y"  # a subject is one line
    )
