"""Addresses and subjects that would break a header (issue #15, item 9).

Every edge where an address enters checks it with one rule (core.addresses: one address,
no control characters); subjects lose their line breaks where they come in. A mail stored
before that, with an address no retry can send, fails once with a plain reason instead of
eight retries of the same error.
"""

import email
from email import policy

import pytest
from django.test import Client

from helpline.channels.email import outbox
from helpline.channels.email.ingest import ingest
from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.conversations import actions
from helpline.conversations.delivery import delivery_problem
from helpline.conversations.models import Conversation, Delivery
from helpline.conversations.receive import receive
from helpline.core import actions as core_actions
from helpline.core.errors import ActionError
from helpline.core.tokens import issue_token
from helpline.customers import actions as customer_actions
from helpline.customers.models import Identity
from tests.api.conftest import ApiClient
from tests.conftest import email_from, raw_mail

pytestmark = pytest.mark.django_db

BAD_ADDRESSES = [
    "maria@example.com\r\nBcc: everyone@example.org",
    "maria@example.com\nX-Evil: 1",
    "maria@example.com, otto@example.com",
    "Maria <maria@example.com>",
    "a..b@example.com",
    "maria@@example.com",
    "maria@exa mple.com",
]


@pytest.fixture
def conversation(mailbox):
    return receive(email_from(name="Maria", subject="Kettle", mailbox=mailbox)).message.conversation


# Where addresses come in ------------------------------------------------------


@pytest.mark.parametrize("value", BAD_ADDRESSES)
def test_an_identity_must_be_one_address(value, conversation, agent_north, north):
    customer = conversation.customer
    with pytest.raises(ActionError) as refused:
        customer_actions.add_identity(agent_north, customer, "email", value)
    assert refused.value.field == "value"
    api = ApiClient(issue_token(agent_north, "t"))
    response = api.post(f"/customers/{customer.pk}/identities", {"kind": "email", "value": value})
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "value"
    created = api.post("/customers", {"name": "X", "emails": [value], "location_id": north.pk})
    assert created.status_code == 400
    assert created.json()["detail"][0]["field"] == "emails.0"
    desk = Client()
    desk.force_login(agent_north)
    page = desk.post(
        f"/customers/{customer.pk}/edit/", {"part": "identity", "kind": "email", "value": value}
    )
    assert page.status_code == 400
    assert Identity.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize("value", BAD_ADDRESSES[:3])
def test_a_mailbox_address_must_be_one_address(value, admin):
    with pytest.raises(ActionError) as refused:
        core_actions.create_mailbox(admin, address=value, delivery="push")
    assert refused.value.field == "address"


def test_a_mailbox_name_is_one_line(admin):
    mailbox = core_actions.create_mailbox(
        admin, address="help@shop.test", name="Shop\r\nBcc: x@example.org", delivery="push"
    )
    assert mailbox.name == "Shop Bcc: x@example.org"
    assert "\n" not in mailbox.from_header


def test_mail_from_an_address_no_reply_could_reach_is_quarantined(mailbox):
    raw = raw_mail(sender="a..b@example.com", to=mailbox.address, subject="Hi")
    result = ingest(raw, source="test")
    assert result.status == "quarantined"
    assert "a..b@example.com" in result.reason
    assert not Identity.objects.filter(value="a..b@example.com").exists()


# Subjects ------------------------------------------------------------------------


def test_subjects_lose_line_breaks_and_control_characters_where_they_come_in(
    conversation, agent_north, north
):
    received = receive(email_from("otto@example.com", subject="Hi\x01there\x7fOtto"))
    assert received.message.conversation.subject == "Hi there Otto"
    actions.rename(agent_north, conversation, "Kettle\x00\r\nBcc: x@example.org")
    conversation.refresh_from_db()
    assert conversation.subject == "Kettle Bcc: x@example.org"
    api = ApiClient(issue_token(agent_north, "t"))
    response = api.patch(f"/conversations/{conversation.pk}", {"subject": "A\u2028B\x0bC"})
    assert response.status_code == 200, response.content
    assert response.json()["subject"] == "A B C"
    started = actions.start_conversation(
        agent_north, conversation.customer, channel="phone", subject="Call\x01\nback"
    )
    assert Conversation.objects.get(pk=started.pk).subject == "Call back"


# What the outbox does with rows stored before -----------------------------------


def test_an_unsendable_address_fails_once_with_a_plain_reason(conversation, agent_north):
    message = actions.reply(agent_north, conversation, "We will replace it.")
    OutboundEmail.objects.filter(message=message).update(
        to=["maria@example.com\r\nBcc: everyone@example.org"]
    )

    assert outbox.deliver(message.outbound.pk) == OutboxStatus.FAILED

    outbound = OutboundEmail.objects.get(message=message)
    assert outbound.attempts == 1
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED
    problem = delivery_problem(message.delivery_error)
    assert not problem.retrying
    assert problem.reason == (
        "The address is not a valid email address: correct it, then send again."
    )


def test_a_stored_subject_with_a_line_break_is_sent_on_one_line(
    conversation, agent_north, smtp_server
):
    message = actions.reply(agent_north, conversation, "On its way.")
    OutboundEmail.objects.filter(message=message).update(subject="Re: Kettle\r\nBcc: x@example.org")

    assert outbox.deliver(message.outbound.pk) == OutboxStatus.SENT

    envelope = smtp_server.wait_for(1)[0]
    sent = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert sent["Subject"] == "Re: Kettle Bcc: x@example.org"
    assert envelope.rcpt_tos == ["maria@example.com"]
