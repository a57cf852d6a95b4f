"""Raw mail in, one message on the right conversation out; nothing lost, nothing twice."""

import pytest

from helpline.channels.email.handlers import acknowledge_new_conversation
from helpline.channels.email.ingest import ingest, reprocess
from helpline.channels.email.models import OutboundEmail, RawEmail, RawStatus
from helpline.conversations import actions
from helpline.conversations.models import Conversation, Delivery, Message
from helpline.core.events import deliver_due, handler_key
from helpline.core.models import EventDelivery
from helpline.customers.models import Customer
from tests.conftest import raw_mail as mail

pytestmark = pytest.mark.django_db


def test_a_mail_is_kept_raw_and_stored_on_a_new_conversation(mailbox):
    raw = mail()
    result = ingest(raw, source="pipe")

    assert result.status == "stored"
    stored = RawEmail.objects.get()
    assert bytes(stored.data) == raw
    assert stored.status == RawStatus.STORED
    assert stored.message == result.message
    conversation = result.message.conversation
    assert conversation.mailbox == mailbox
    assert conversation.location == mailbox.location
    assert conversation.customer.name == "Maria López"
    assert result.message.text == "Where is my order?"
    assert result.message.external_id == "m1@customer.example"


def test_the_same_bytes_twice_are_stored_once(mailbox):
    raw = mail()  # built once: its Date header is "now"
    assert ingest(raw, source="imap").status == "stored"
    assert ingest(raw, source="imap").status == "duplicate"
    assert RawEmail.objects.count() == 1
    assert Message.objects.filter(direction="inbound").count() == 1


def test_the_same_message_id_with_other_bytes_is_stored_once(mailbox):
    ingest(mail(), source="imap")
    again = ingest(mail(X_Delivered_Again="yes"), source="lmtp")

    assert again.status == "duplicate"
    assert RawEmail.objects.count() == 2  # both raw copies are kept
    assert Message.objects.filter(direction="inbound").count() == 1


def test_a_reply_threads_by_in_reply_to(mailbox):
    first = ingest(mail(), source="pipe").message
    reply = ingest(
        mail(
            subject="Re: My order",
            message_id="<m2@customer.example>",
            In_Reply_To="<m1@customer.example>",
            References="<m1@customer.example>",
        ),
        source="pipe",
    ).message
    assert reply.conversation == first.conversation


def test_a_reply_to_our_answer_threads_even_without_the_token(mailbox, agent_north):
    first = ingest(mail(), source="pipe").message
    ours = actions.reply(agent_north, first.conversation, "It ships today.")
    ours.refresh_from_db()
    answer = ingest(
        mail(
            sender="maria@home.example",
            subject="Thanks",
            message_id="<m3@home.example>",
            In_Reply_To=f"<{ours.external_id}>",
        ),
        source="pipe",
    ).message

    assert answer.conversation == first.conversation
    assert Customer.objects.count() == 1


def test_a_mail_without_message_id_is_still_deduplicated(mailbox):
    raw = mail(message_id=None)
    assert ingest(raw, source="pipe").status == "stored"
    assert ingest(raw, source="pipe").status == "duplicate"


def test_an_oversize_mail_is_quarantined_and_can_be_reprocessed(mailbox, settings):
    settings.HELPLINE_MAX_EMAIL_BYTES = 200
    result = ingest(mail(body="x" * 500), source="pipe")

    assert result.status == "quarantined"
    assert "over the limit" in result.reason
    assert RawEmail.objects.get().status == RawStatus.QUARANTINED
    assert not Message.objects.exists()

    settings.HELPLINE_MAX_EMAIL_BYTES = 25 * 1024 * 1024
    assert reprocess(result.raw).status == "stored"


def test_garbage_is_quarantined_not_lost(mailbox):
    result = ingest(b"\x00\x01\x02 not a mail", source="pipe")

    assert result.status == "quarantined"
    assert bytes(RawEmail.objects.get().data) == b"\x00\x01\x02 not a mail"


def test_a_mail_without_a_sender_is_quarantined_with_its_reason(mailbox):
    result = ingest(mail(sender="undisclosed-recipients:;"), source="pipe")
    assert result.status == "quarantined"
    assert "sender" in result.reason


def test_a_new_conversation_is_acknowledged(mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = ingest(mail(), source="pipe").message.conversation
    deliver_due()  # the worker's part: after-commit handlers

    outbound = OutboundEmail.objects.get()
    assert outbound.to == ["maria@example.com"]
    assert outbound.extra_headers == {"Auto-Submitted": "auto-replied"}
    assert conversation.token in outbound.subject


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"X_Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List_Id": "<news.vendor.example>"},
    ],
    ids=["rfc3834", "x-autoreply", "precedence-bulk", "mailing-list"],
)
def test_robots_are_recorded_but_never_answered(
    mailbox, headers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(mail(**headers), source="pipe")
    deliver_due()  # the worker's part: after-commit handlers

    assert result.status == "stored"
    assert result.message.kind in ("auto_reply", "bulk")
    assert not OutboundEmail.objects.exists()


def test_mail_from_a_mailer_daemon_is_never_answered(mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest(mail(sender="MAILER-DAEMON@mx.example"), source="pipe")
    deliver_due()  # the worker's part: after-commit handlers
    assert not OutboundEmail.objects.exists()


def dsn(original_message_id: str, recipient: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.shop.test>\r\n"
        "To: support@shop.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.shop.test>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.shop.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@shop.test\r\nTo: {recipient}\r\n"
        f"Message-ID: <{original_message_id}>\r\nSubject: Re: My order\r\n"
        "\r\n--B--\r\n"
    ).encode()


def test_a_bounce_lands_on_its_conversation_and_marks_the_reply_undelivered(
    mailbox, agent_north, django_capture_on_commit_callbacks
):
    conversation = ingest(mail(), source="pipe").message.conversation
    ours = actions.reply(agent_north, conversation, "It ships today.")
    ours.refresh_from_db()
    deliver_due()  # the acknowledgement, queued before the bounce arrives
    outbox_before = OutboundEmail.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        bounce = ingest(dsn(ours.external_id, "maria@example.com"), source="pipe").message
    deliver_due()  # the worker's part: after-commit handlers

    ours.refresh_from_db()
    assert bounce.kind == "bounce"
    assert bounce.conversation == conversation
    assert ours.delivery == Delivery.UNDELIVERED
    assert "maria@example.com" in ours.delivery_error
    assert OutboundEmail.objects.count() == outbox_before  # nobody answers a bounce
    assert Customer.objects.count() == 1  # the mailer daemon is not a customer
    assert Conversation.objects.count() == 1


def test_old_mail_taken_from_a_mailbox_history_is_not_acknowledged(
    mailbox, django_capture_on_commit_callbacks
):
    old = mail(date="Tue, 03 Mar 2026 09:00:00 +0000")
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest(old, source="imap").status == "stored"
    # A mailbox's history is not even considered for an acknowledgement (other readers of
    # customers' words, such as sentiment, do take it).
    acknowledging = handler_key(acknowledge_new_conversation)
    assert not EventDelivery.objects.filter(handler=acknowledging).exists()
    deliver_due()  # the worker's part: after-commit handlers
    assert not OutboundEmail.objects.exists()
