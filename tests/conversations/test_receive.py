"""The one entry for every channel: customers found or created, threads kept, nothing twice."""

import pytest

from helpline.conversations import actions
from helpline.conversations.models import Conversation, Message, Status
from helpline.conversations.receive import Inbound, IncomingAttachment, receive
from helpline.core.events import EventName
from helpline.core.models import Activity
from helpline.customers.models import Customer, Identity
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def email(value="Maria@Example.com", **fields):
    return email_from(value, **fields)


def test_a_first_message_creates_customer_identity_and_conversation(mailbox):
    received = receive(email(name="María López", subject="Order 123", mailbox=mailbox))

    assert received.created and received.new_conversation
    conversation = received.message.conversation
    assert conversation.subject == "Order 123"
    assert conversation.status == Status.NEW
    assert conversation.location == mailbox.location
    assert conversation.customer.name == "María López"
    assert conversation.last_customer_message_at == received.message.created_at
    assert Identity.objects.get().value == "maria@example.com"
    verbs = set(Activity.objects.values_list("verb", flat=True))
    assert {"customer.created", "conversation.created", "message.received"} <= verbs


def test_a_known_address_lands_on_the_same_customer():
    first = receive(email(subject="One", external_id="a@x"))
    second = receive(email("maria@example.com", subject="Two", external_id="b@x"))

    assert second.message.conversation.customer == first.message.conversation.customer
    assert second.message.conversation != first.message.conversation
    assert Customer.objects.count() == 1


def test_phone_numbers_are_matched_in_any_format(north):
    first = receive(
        Inbound(
            channel="phone",
            identity_kind="phone",
            identity_value="020 7183 8750",
            location=north,
            text="Missed call",
        )
    )
    second = receive(
        Inbound(
            channel="sms",
            identity_kind="phone",
            identity_value="+44 20 7183 8750",
            text="Call me back",
        )
    )

    assert Identity.objects.get().value == "+442071838750"
    assert second.message.conversation.customer == first.message.conversation.customer


def test_a_reply_threads_by_its_references():
    root = receive(email(subject="Broken zip", external_id="root@x"))
    reply = receive(email(subject="Re: Broken zip", external_id="r1@x", thread_ids=["root@x"]))

    assert reply.message.conversation == root.message.conversation
    assert not reply.new_conversation


def test_a_reply_to_an_unseen_parent_threads_by_the_thread_root():
    root = receive(email(subject="Broken zip", external_id="root@x", thread_key="root@x"))
    late = receive(
        email(
            subject="Re: Broken zip",
            external_id="r2@x",
            thread_ids=["never-seen@x", "root@x"],
            thread_key="root@x",
        )
    )
    assert late.message.conversation == root.message.conversation


def test_a_reply_from_a_new_address_that_cites_our_mail_joins_the_customer():
    root = receive(email(subject="Refund", external_id="root@x"))
    conversation = root.message.conversation
    reply = receive(
        email(
            "maria.lopez@work.example",
            subject="Re: Refund",
            external_id="r@y",
            thread_ids=["root@x"],
        )
    )

    assert reply.message.conversation == conversation
    assert set(conversation.customer.identities.values_list("value", flat=True)) == {
        "maria@example.com",
        "maria.lopez@work.example",
    }


def test_a_new_address_with_only_the_token_threads_but_stays_its_own_customer(agent_north):
    root = receive(email(subject="Refund", external_id="root@x"))
    conversation = root.message.conversation
    stranger = receive(
        email("someone@else.example", subject=f"Re: Refund {conversation.token}", external_id="s@z")
    )

    assert stranger.message.conversation == conversation  # the agent sees it in the thread
    assert stranger.message.identity.customer != conversation.customer
    assert conversation.customer.identities.count() == 1
    answer = actions.reply(agent_north, conversation, "Your refund is on its way.")
    assert answer.outbound.to == ["maria@example.com"]  # never sent to the stranger


def test_the_reply_address_read_from_a_loaded_thread_is_the_one_queried():
    """The conversation page reads the address from the thread it shows; the rule is the same."""
    root = receive(email(subject="Refund", external_id="root@x"))
    conversation = root.message.conversation

    def both() -> tuple[str, str]:
        thread = list(conversation.messages.select_related("identity").order_by("created_at", "id"))
        loaded = actions.reply_address(conversation, thread=thread)
        return actions.reply_address(conversation), loaded

    assert both() == ("maria@example.com", "maria@example.com")
    receive(
        email(
            "maria.lopez@work.example",
            subject="Re: Refund",
            external_id="r@y",
            thread_ids=["root@x"],
        )
    )
    assert both() == ("maria.lopez@work.example", "maria.lopez@work.example")
    receive(
        email("someone@else.example", subject=f"Re: Refund {conversation.token}", external_id="s@z")
    )
    assert both() == ("maria.lopez@work.example", "maria.lopez@work.example")
    conversation.messages.filter(direction="inbound").update(identity=None)
    assert both() == ("maria@example.com", "maria@example.com")  # the first address known


def test_an_unknown_token_starts_a_new_conversation():
    received = receive(email(subject="Re: something [#999999]"))
    assert received.new_conversation
    assert received.message.conversation.subject == "Re: something"


def test_the_same_message_twice_is_stored_once():
    first = receive(email(external_id="same@x"))
    again = receive(email(external_id="same@x"))

    assert again.created is False
    assert again.message == first.message
    assert Message.objects.count() == 1


def test_a_customer_reply_reopens_a_solved_conversation_but_not_a_closed_one():
    root = receive(email(external_id="root@x"))
    conversation = root.message.conversation
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.SOLVED)
    receive(email(external_id="r1@x", thread_ids=["root@x"]))
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN

    Conversation.objects.filter(pk=conversation.pk).update(status=Status.CLOSED)
    follow_up = receive(email(external_id="r2@x", thread_ids=["root@x"]))
    assert follow_up.new_conversation


def test_an_auto_reply_neither_reopens_nor_restarts_the_wait():
    root = receive(email(external_id="root@x"))
    conversation = root.message.conversation
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.PENDING)
    receive(email(external_id="ooo@x", thread_ids=["root@x"], kind="auto_reply"))
    conversation.refresh_from_db()

    assert conversation.status == Status.PENDING
    assert conversation.last_customer_message_at == root.message.created_at


def test_attachments_are_stored_with_the_message():
    received = receive(
        email(attachments=[IncomingAttachment("../../etc/receipt.pdf", "application/pdf", b"%PDF")])
    )
    attachment = received.message.attachments.get()

    assert attachment.filename == "../../etc/receipt.pdf"
    assert attachment.size == 4
    assert ".." not in attachment.file.name
    assert attachment.file.read() == b"%PDF"


def test_the_received_event_is_published_with_the_message(heard):
    received_events = heard(EventName.MESSAGE_RECEIVED)
    received = receive(email())
    (payload,) = received_events
    assert payload["message_id"] == received.message.pk
    assert payload["conversation_id"] == received.message.conversation_id
    assert payload["customer_id"] == received.message.conversation.customer_id
    assert payload["new_conversation"] is True
    assert payload["reached_customer"] is True
