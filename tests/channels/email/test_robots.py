"""Robots are not people: plain-text bounces of older or unusual mail systems, delivery
warnings, moderation notices and mail from MAILER-DAEMON/postmaster (robots/, written by
make_robots.py), on their own and through `ingest`."""

import json
import re
from pathlib import Path

import pytest

from helpline.channels.email.ingest import ingest
from helpline.channels.email.models import OutboundEmail
from helpline.channels.email.parse import parse_email
from helpline.conversations import actions
from helpline.conversations.models import Conversation, Delivery, Message
from helpline.core.events import deliver_due
from helpline.customers.models import Customer
from tests.conftest import raw_mail as mail

ROBOTS = Path(__file__).resolve().parent / "robots"
EXPECTED = json.loads((ROBOTS / "expected.json").read_text(encoding="utf-8"))
BOUNCES_WITH_ORIGINAL = sorted(
    n for n, w in EXPECTED.items() if w["kind"] == "bounce" and w.get("bounced_message_id")
)


def test_the_robot_corpus_covers_each_kind_of_mail_system():
    assert sorted(EXPECTED) == sorted(p.name for p in ROBOTS.glob("*.eml"))
    for prefix in ("mdaemon", "qmail", "exchange", "chinese", "mailman", "person"):
        assert any(name.startswith(prefix) for name in EXPECTED), prefix
    assert sum(w["kind"] == "auto_reply" for w in EXPECTED.values()) >= 10
    assert len(BOUNCES_WITH_ORIGINAL) >= 8


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_robot_corpus_message(name):
    want = EXPECTED[name]
    parsed = parse_email((ROBOTS / name).read_bytes())
    assert parsed.kind == want["kind"]
    assert parsed.bounced_recipients == want["bounced_recipients"]
    if "bounced_message_id" in want:
        assert parsed.bounced_message_id == want["bounced_message_id"]


@pytest.mark.parametrize(
    "sender",
    ["MAILER-DAEMON@mx.example", "postmaster@example.com", "Mail Delivery System <x@mx.example>"],
)
def test_mail_from_a_mail_system_is_never_normal(sender):
    parsed = parse_email(mail(sender=sender, subject="Hello", body="Just letting you know."))
    assert parsed.kind != "normal"


def test_a_null_return_path_is_a_robot():
    parsed = parse_email(mail(sender="gateway@example.com", Return_Path="<>", body="Scanned."))
    assert parsed.kind == "auto_reply"


def _our_reply(mailbox, agent):
    conversation = ingest(mail(), source="pipe").message.conversation
    ours = actions.reply(agent, conversation, "It ships today.")
    ours.refresh_from_db()
    deliver_due()  # the acknowledgement, queued before the robot's mail arrives
    return conversation, ours


def _about(name: str, ours) -> bytes:
    """The corpus mail, reporting on our reply instead of the corpus's own."""
    raw = (ROBOTS / name).read_bytes()
    return re.sub(rb"reply-\d+@helpline\.test", ours.external_id.encode(), raw)


@pytest.mark.django_db
@pytest.mark.parametrize("name", BOUNCES_WITH_ORIGINAL)
def test_a_plain_text_bounce_marks_our_reply_undelivered(
    name, mailbox, agent_north, django_capture_on_commit_callbacks
):
    conversation, ours = _our_reply(mailbox, agent_north)
    outbox_before = OutboundEmail.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        bounce = ingest(_about(name, ours), source="pipe").message
    deliver_due()

    ours.refresh_from_db()
    assert bounce.kind == "bounce"
    assert bounce.conversation == conversation
    assert ours.delivery == Delivery.UNDELIVERED
    for recipient in EXPECTED[name]["bounced_recipients"]:
        assert recipient in ours.delivery_error
    assert OutboundEmail.objects.count() == outbox_before  # nobody answers a bounce
    assert Customer.objects.count() == 1  # the mail system is not a customer


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["mdaemon-delivery-delayed.eml", "postfix-delay-dsn.eml"])
def test_a_delay_warning_lands_on_the_conversation_but_fails_nothing(
    name, mailbox, agent_north, django_capture_on_commit_callbacks
):
    conversation, ours = _our_reply(mailbox, agent_north)
    outbox_before = OutboundEmail.objects.count()
    delivery_before = ours.delivery

    with django_capture_on_commit_callbacks(execute=True):
        warning = ingest(_about(name, ours), source="pipe").message
    deliver_due()

    ours.refresh_from_db()
    assert warning.kind == "auto_reply"
    assert warning.conversation == conversation
    assert ours.delivery == delivery_before != Delivery.UNDELIVERED
    assert OutboundEmail.objects.count() == outbox_before
    assert Customer.objects.count() == 1
    assert Conversation.objects.count() == 1


@pytest.mark.django_db
def test_a_bounce_without_our_message_id_marks_our_latest_mail_to_its_recipient(
    mailbox, agent_north, django_capture_on_commit_callbacks
):
    conversation, _ = _our_reply(mailbox, agent_north)  # to maria@example.com
    domino = (ROBOTS / "domino-delivery-failure.eml").read_bytes()
    bounce_raw = domino.replace(b"jsmith@notes.example.com", b"maria@example.com")
    assert b"helpline.test>" not in bounce_raw  # no Message-ID of ours in it

    with django_capture_on_commit_callbacks(execute=True):
        bounce = ingest(bounce_raw, source="pipe").message
    deliver_due()

    ours = Message.objects.filter(direction="outbound").latest("created_at", "id")
    assert bounce.kind == "bounce"
    assert bounce.conversation == conversation
    assert ours.delivery == Delivery.UNDELIVERED  # the latest of ours: the acknowledgement
    assert "maria@example.com" in ours.delivery_error
    marked = Message.objects.filter(delivery=Delivery.UNDELIVERED)
    assert list(marked) == [ours]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_a_bounce_for_someone_we_never_wrote_to_marks_nothing(
    mailbox, agent_north, django_capture_on_commit_callbacks
):
    conversation, _ = _our_reply(mailbox, agent_north)
    raw = (ROBOTS / "domino-delivery-failure.eml").read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        bounce = ingest(raw, source="pipe").message
    deliver_due()

    assert bounce.kind == "bounce"
    assert bounce.conversation != conversation
    assert not Message.objects.filter(delivery=Delivery.UNDELIVERED).exists()
