"""Replies leave through a real SMTP server, threaded, once, and failures are kept and retried."""

import email
from email import policy

import pytest
from django.core.files.base import ContentFile

from helpline.channels.email import outbox
from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.conversations import actions
from helpline.conversations.models import Attachment, Delivery
from helpline.conversations.receive import IncomingAttachment, receive
from tests.conftest import email_from, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(mailbox):
    root = receive(
        email_from(
            name="Maria",
            subject="Broken kettle",
            text="It leaks.",
            external_id="root@customer.example",
            mailbox=mailbox,
        )
    )
    receive(
        email_from(
            subject="Re: Broken kettle",
            text="Any news?",
            external_id="second@customer.example",
            thread_ids=["root@customer.example"],
            mailbox=mailbox,
        )
    )
    return root.message.conversation


def test_a_reply_reaches_the_smtp_server_threaded(conversation, agent_north, smtp_server):
    message = actions.reply(agent_north, conversation, "We will replace it.")
    outbound = message.outbound

    assert outbox.deliver(outbound.pk) == OutboxStatus.SENT

    envelope = smtp_server.wait_for(1)[0]
    sent = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert envelope.rcpt_tos == ["maria@example.com"]
    assert sent["From"] == "Shop Support <support@shop.test>"
    assert sent["Subject"] == f"Re: Broken kettle [#{conversation.pk}]"
    assert sent["Message-ID"] == outbound.message_id_header
    assert sent["In-Reply-To"] == "<second@customer.example>"
    assert sent["References"].split() == ["<root@customer.example>", "<second@customer.example>"]
    assert "We will replace it." in sent.get_body(("plain",)).get_content()
    message.refresh_from_db()
    assert message.delivery == Delivery.SENT


def test_a_message_is_sent_once_even_when_delivered_twice(conversation, agent_north, smtp_server):
    outbound = actions.reply(agent_north, conversation, "Once only.").outbound

    assert outbox.deliver(outbound.pk) == OutboxStatus.SENT
    assert outbox.deliver(outbound.pk) == "skipped"
    assert len(smtp_server.wait_for(1, timeout=1)) == 1


def test_an_unreachable_server_is_retried_with_backoff_and_then_shown_failed(
    conversation, agent_north, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.HELPLINE_OUTBOX_MAX_ATTEMPTS = 2
    message = actions.reply(agent_north, conversation, "Hello?")
    outbound = message.outbound

    assert outbox.deliver(outbound.pk) == OutboxStatus.PENDING
    outbound.refresh_from_db()
    message.refresh_from_db()
    assert outbound.attempts == 1
    assert "ConnectionRefusedError" in outbound.last_error
    assert message.delivery == Delivery.QUEUED
    assert "retrying" in message.delivery_error
    assert outbox.deliver(outbound.pk) == "skipped"  # not due yet: back-off

    OutboundEmail.objects.filter(pk=outbound.pk).update(next_attempt_at=outbound.created_at)
    assert outbound.pk in outbox.due_ids()
    assert outbox.deliver(outbound.pk) == OutboxStatus.FAILED
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED
    assert "ConnectionRefusedError" in message.delivery_error


def test_a_failed_message_can_be_retried_by_an_agent(conversation, agent_north, smtp_server):
    outbound = actions.reply(agent_north, conversation, "Second try.").outbound
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboxStatus.FAILED, last_error="550 mailbox full"
    )

    outbox.retry(agent_north, outbound)
    assert outbox.deliver(outbound.pk) == OutboxStatus.SENT
    assert len(smtp_server.wait_for(1)) == 1


def test_a_claim_left_by_a_dead_worker_is_taken_again(conversation, agent_north, settings):
    outbound = actions.reply(agent_north, conversation, "Stale.").outbound
    assert outbox.claim(outbound.pk) is not None
    assert outbox.claim(outbound.pk) is None  # taken by the first (now dead) worker

    settings.HELPLINE_OUTBOX_CLAIM_SECONDS = 0
    assert outbox.claim(outbound.pk) is not None


def test_a_reply_with_copies_and_a_file_arrives_as_mime_and_hides_its_bcc(
    conversation, agent_north, smtp_server
):
    invoice = IncomingAttachment("Rechnung März.pdf", "", b"%PDF-1.4 invoice")
    message = actions.reply(
        agent_north,
        conversation,
        "Your invoice is attached.",
        cc=["boss@example.com"],
        bcc=["archive@shop.test"],
        files=[invoice],
    )

    assert outbox.deliver(message.outbound.pk) == OutboxStatus.SENT

    envelope = smtp_server.wait_for(1)[0]
    sent = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert sorted(envelope.rcpt_tos) == [
        "archive@shop.test",
        "boss@example.com",
        "maria@example.com",
    ]
    assert sent["To"] == "maria@example.com"
    assert sent["Cc"] == "boss@example.com"
    assert "Bcc" not in sent
    assert b"archive@shop.test" not in envelope.original_content
    assert sent.get_content_type() == "multipart/mixed"
    (part,) = list(sent.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "Rechnung März.pdf"
    assert part.get_content() == b"%PDF-1.4 invoice"
    assert "Your invoice is attached." in sent.get_body(("plain",)).get_content()


def test_a_forward_reaches_the_third_party_with_the_original_and_its_files(
    conversation, agent_north, smtp_server
):
    original = conversation.messages.order_by("id").last()
    Attachment.objects.create(
        message=original,
        file=ContentFile(b"\x89PNG photo", name="photo.png"),
        filename="photo.png",
        content_type="image/png",
        size=10,
    )

    sent_message = actions.forward(agent_north, original, "repairs@supplier.example")
    assert outbox.deliver(sent_message.outbound.pk) == OutboxStatus.SENT

    envelope = smtp_server.wait_for(1)[0]
    sent = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert envelope.rcpt_tos == ["repairs@supplier.example"]
    assert sent["Subject"] == f"Fwd: Broken kettle [#{conversation.pk}]"
    body = sent.get_body(("plain",)).get_content()
    assert "---------- Forwarded message ----------" in body and "Any news?" in body
    (part,) = list(sent.iter_attachments())
    assert (part.get_filename(), part.get_content()) == ("photo.png", b"\x89PNG photo")
