"""What an agent's mail and notes carry: recipients, files, signatures, and forwards."""

import pytest

from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions
from helpline.conversations.models import Attachment, Direction, Status
from helpline.conversations.receive import IncomingAttachment, receive
from helpline.conversations.verbs import Verb
from helpline.core import actions as core_actions
from helpline.core.errors import ActionError
from helpline.core.events import EventName
from helpline.core.models import Activity
from helpline.customers.models import Customer
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

PDF = IncomingAttachment("invoice.pdf", "application/x-whatever", b"%PDF-1.4 invoice")


@pytest.fixture
def conversation(mailbox):
    received = receive(
        email_from(
            name="Maria Lopez",
            subject="Broken kettle",
            text="It leaks, photo attached.",
            external_id="q1@example.com",
            mailbox=mailbox,
            attachments=[IncomingAttachment("leak.jpg", "image/jpeg", b"\xff\xd8jpeg")],
        )
    )
    return received.message.conversation


def test_a_reply_goes_to_the_typed_addresses_with_copies_and_files(conversation, agent_north):
    message = actions.reply(
        agent_north,
        conversation,
        "Your invoice.",
        to="maria.work@example.com",
        cc=["boss@example.com", "Boss@example.com", ""],
        bcc=["archive@shop.test"],
        files=[PDF],
    )

    outbound = OutboundEmail.objects.get(message=message)
    assert outbound.to == ["maria.work@example.com"]
    assert outbound.cc == ["boss@example.com"]  # once, whatever the case
    assert outbound.bcc == ["archive@shop.test"]
    (attachment,) = message.attachments.all()
    assert (attachment.filename, attachment.content_type) == ("invoice.pdf", "application/pdf")
    assert attachment.file.read() == b"%PDF-1.4 invoice"
    assert message.meta == {
        "to": ["maria.work@example.com"],
        "cc": ["boss@example.com"],
        "bcc": ["archive@shop.test"],
    }


def test_a_reply_without_a_to_goes_to_the_customer(conversation, agent_north):
    message = actions.reply(agent_north, conversation, "Hello")
    assert message.outbound.to == ["maria@example.com"]
    assert message.outbound.cc == message.outbound.bcc == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("to", "maria@example.com\r\nBcc: spy@evil.test"),
        ("to", "maria@example.com, boss@example.com"),
        ("to", "Maria <maria@example.com>"),
        ("to", "maria"),
        ("to", ""),
        ("cc", "boss@example"),
        ("cc", "boss@exam\x00ple.com"),
        ("bcc", "two@example.com three@example.com"),
    ],
)
def test_an_address_that_is_not_exactly_one_is_refused_naming_its_field(
    conversation, agent_north, field, value
):
    addresses = {"to": "maria@example.com", "cc": [], "bcc": []}
    addresses[field] = value if field == "to" else [value]

    with pytest.raises(ActionError) as refused:
        actions.reply(agent_north, conversation, "Hello", **addresses)  # type: ignore[arg-type]

    assert refused.value.field == field
    assert "\n" not in str(refused.value) and "\x00" not in str(refused.value)
    assert not OutboundEmail.objects.exists()


def test_files_over_the_mailboxs_limit_are_refused_in_plain_words(
    conversation, agent_north, mailbox
):
    mailbox.attachment_limit_bytes = 1000
    mailbox.save()
    big = IncomingAttachment("scan.png", "image/png", b"x" * 600)

    with pytest.raises(ActionError) as refused:
        actions.reply(agent_north, conversation, "Scans", files=[big, big])

    assert refused.value.field == "files"
    assert str(refused.value) == (
        "The files come to 1.2\xa0KB; at most 1000\xa0bytes can be attached to one message."
    )
    assert not Attachment.objects.filter(message__direction=Direction.OUTBOUND).exists()


def test_a_program_is_not_attached(conversation, agent_north):
    program = IncomingAttachment("setup.EXE", "application/octet-stream", b"MZ")
    with pytest.raises(ActionError) as refused:
        actions.add_note(agent_north, conversation, "The installer", files=[program])
    assert refused.value.field == "files"
    assert "setup.EXE" in str(refused.value)


def test_a_note_keeps_its_files_privately(conversation, agent_north):
    note = actions.add_note(agent_north, conversation, "Courier's receipt", files=[PDF])

    (attachment,) = note.attachments.all()
    assert attachment.filename == "invoice.pdf"
    assert attachment.file.name.startswith(f"attachments/{conversation.pk}/{note.pk}/")
    assert not OutboundEmail.objects.exists()


def test_a_customer_without_an_email_address_is_not_mailed(north, agent_north):
    customer = Customer.objects.create(name="Walk In", location=north)
    visit = actions.start_conversation(
        agent_north, customer, channel="walk_in", subject="Visit", text="Hi"
    )

    with pytest.raises(ActionError) as refused:
        actions.reply(agent_north, visit, "Hello")

    assert refused.value.field == "to"
    assert str(refused.value) == (
        "No email address is known for this customer — add one, or log a call."
    )


def test_signatures_go_below_the_reply_agents_first(conversation, agent_north, mailbox):
    core_actions.set_signature(agent_north, agent_north, "Nora\nShop Support  \n")
    mailbox.signature = "Shop, 1 North Street"
    mailbox.save()

    message = actions.reply(agent_north, conversation, "Fixed.\n", html="<p>Fixed.</p>")

    assert message.text == "Fixed.\n\n-- \nNora\nShop Support\n\nShop, 1 North Street"
    assert message.html.endswith("<p>-- <br>Nora<br>Shop Support<br><br>Shop, 1 North Street</p>")
    assert Activity.objects.filter(verb="user.signature_changed", actor=agent_north).count() == 1


def test_an_agent_sets_only_their_own_signature(agent_north, agent_south, admin):
    with pytest.raises(ActionError):
        core_actions.set_signature(agent_south, agent_north, "Not yours")
    core_actions.set_signature(admin, agent_north, "Set by the admin")
    agent_north.refresh_from_db()
    assert agent_north.signature == "Set by the admin"


def test_a_forward_quotes_the_message_and_carries_its_files(conversation, agent_north, heard):
    original = conversation.messages.get()
    sent_events = heard(EventName.MESSAGE_SENT)

    sent = actions.forward(
        agent_north,
        original,
        "repairs@supplier.example",
        text="Can you replace this one?",
        cc=["lead@shop.test"],
        files=[PDF],
    )

    conversation.refresh_from_db()
    outbound = sent.outbound
    assert sent.conversation_id == conversation.pk
    assert sent.direction == Direction.OUTBOUND
    assert outbound.to == ["repairs@supplier.example"]
    assert outbound.cc == ["lead@shop.test"]
    assert outbound.subject == f"Fwd: Broken kettle [#{conversation.pk}]"
    assert sent.text.startswith("Can you replace this one?\n\n---------- Forwarded message")
    assert "From: Maria Lopez <maria@example.com>" in sent.text
    assert sent.text.endswith("It leaks, photo attached.")
    assert [a.filename for a in sent.attachments.order_by("id")] == ["leak.jpg", "invoice.pdf"]
    assert sent.meta["forwarded"] == original.pk
    assert Activity.objects.filter(verb=Verb.FORWARDED, actor=agent_north).count() == 1
    (event,) = sent_events
    assert (event["recipient"], event["cc"]) == ("repairs@supplier.example", ["lead@shop.test"])
    assert event["reached_customer"] is False
    # Not an answer: the customer still waits for one.
    assert conversation.waiting_since is not None
    assert conversation.status == Status.NEW


def test_a_note_or_a_call_is_not_forwarded(conversation, agent_north):
    note = actions.add_note(agent_north, conversation, "Internal")
    call = actions.log_contact(
        agent_north, conversation, channel="phone", text="Called her", direction="outbound"
    )
    for kept_here in (note, call):
        with pytest.raises(ActionError) as refused:
            actions.forward(agent_north, kept_here, "someone@example.org")
        assert refused.value.field == "message"
    assert not OutboundEmail.objects.exists()
