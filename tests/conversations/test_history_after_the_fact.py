"""History recorded after the fact (an import, the demo): actions dated in the past with
`at=`, and replies that went long ago recorded without queueing any mail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions
from helpline.conversations.models import Channel, Delivery, Direction, Status, Wait
from helpline.conversations.receive import receive
from helpline.conversations.verbs import Verb
from helpline.core.events import EventName, Phase, subscribe, unsubscribe
from helpline.core.models import Activity
from helpline.customers import actions as customer_actions
from helpline.customers.models import IdentityKind
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def then():
    return timezone.now() - timedelta(days=30)


@pytest.fixture
def conversation(mailbox, then):
    received = receive(
        email_from(
            subject="Order 9", external_id="old@example.com", mailbox=mailbox, received_at=then
        )
    )
    return received.message.conversation


@pytest.fixture
def sent_events():
    events = []

    def keep(event):
        events.append(event)

    subscribe(EventName.MESSAGE_SENT, keep, phase=Phase.IN_TRANSACTION)
    yield events
    unsubscribe(EventName.MESSAGE_SENT, keep)


def test_a_past_reply_is_a_response_then_and_queues_no_mail(
    conversation, agent_north, then, sent_events
):
    at = then + timedelta(hours=2)
    message = actions.log_past_reply(
        agent_north, conversation, "It shipped.", at=at, external_id="r1@shop.test"
    )
    conversation.refresh_from_db()

    assert not OutboundEmail.objects.exists()
    assert message.direction == Direction.OUTBOUND and message.channel == Channel.EMAIL
    assert message.delivery == Delivery.SENT
    assert message.created_at == at
    assert conversation.first_response_at == at
    assert conversation.last_message_at == at
    assert conversation.status == Status.OPEN and conversation.waiting_since is None
    wait = Wait.objects.get(conversation=conversation)
    assert wait.answered_at == at and wait.wall_seconds == 2 * 3600
    activity = Activity.objects.get(verb=Verb.REPLIED)
    assert activity.created_at == at and activity.data["message_id"] == message.pk
    # The bus hears of it like any reply, with nobody to mail it to.
    assert [e["recipient"] for e in sent_events] == [""]


def test_a_past_reply_by_text_message_is_not_an_email(conversation, agent_north, then):
    at = then + timedelta(hours=1)
    message = actions.log_past_reply(agent_north, conversation, "Ok", at=at, channel=Channel.SMS)
    assert message.delivery == Delivery.NOT_APPLICABLE and message.channel == Channel.SMS


def test_a_past_reply_is_not_in_the_future_and_has_text(conversation, agent_north):
    future = timezone.now() + timedelta(hours=1)
    with pytest.raises(actions.ActionError) as error:
        actions.log_past_reply(agent_north, conversation, "Later", at=future)
    assert error.value.field == "at"
    with pytest.raises(actions.ActionError) as error:
        actions.log_past_reply(agent_north, conversation, " ", at=timezone.now())
    assert error.value.field == "text"


def test_a_past_acknowledgement_without_recipient_is_sent_and_queues_nothing(conversation, then):
    at = then + timedelta(seconds=20)
    message = actions.send_automatic_reply(
        conversation, "We have it.", "", verb=Verb.ACKNOWLEDGED, meta={"automatic": "x"}, at=at
    )
    assert not OutboundEmail.objects.exists()
    assert message.created_at == at and message.delivery == Delivery.SENT
    assert Activity.objects.get(verb=Verb.ACKNOWLEDGED).created_at == at


def test_agents_actions_are_dated_when_they_happened(conversation, agent_north, then):
    times = [then + timedelta(minutes=m) for m in (5, 6, 7, 8, 9)]
    actions.assign(agent_north, conversation, assignee=agent_north, at=times[0])
    actions.set_tags(agent_north, conversation, ["order"], at=times[1])
    actions.set_priority(agent_north, conversation, "high", at=times[2])
    note = actions.add_note(agent_north, conversation, "Asked the courier.", at=times[3])
    actions.set_status(agent_north, conversation, Status.SOLVED, at=times[4])
    conversation.refresh_from_db()

    verbs = [Verb.ASSIGNED, Verb.TAGGED, Verb.PRIORITY_CHANGED, Verb.NOTED, Verb.STATUS_CHANGED]
    assert [Activity.objects.get(verb=verb).created_at for verb in verbs] == times
    assert note.created_at == times[3]
    assert conversation.solved_at == times[4]


def test_actions_without_at_still_happen_now(conversation, agent_north):
    before = timezone.now()
    actions.set_status(agent_north, conversation, Status.SOLVED)
    conversation.refresh_from_db()
    assert conversation.solved_at >= before
    assert Activity.objects.get(verb=Verb.STATUS_CHANGED).created_at >= before


def test_a_customer_known_since_a_date(north, then):
    customer = customer_actions.create_customer(
        None,
        name="Ada",
        location=north,
        identities=[(IdentityKind.EMAIL, "ada@example.com")],
        at=then,
    )
    customer.refresh_from_db()
    assert customer.created_at == then and customer.updated_at == then
    assert customer.identities.get().created_at == then
    assert Activity.objects.get(verb="customer.created", subject_id=customer.pk).created_at == then
