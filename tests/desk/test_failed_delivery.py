"""A reply that could not be sent says why in words on the thread, with a Retry that sends
it through the outbox again: against real SMTP servers that refuse."""

import html
import re

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.urls import reverse

from helpline.channels.email import outbox
from helpline.channels.email.models import OutboxStatus
from helpline.conversations import actions
from helpline.conversations.delivery import delivery_problem
from helpline.conversations.models import Delivery
from helpline.core.models import Activity
from tests.conftest import free_port
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


class RefusesRecipients:
    """An SMTP server that knows nobody."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


@pytest.fixture
def refusing_server(settings):
    controller = Controller(RefusesRecipients(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        controller.port,
        False,
    )
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def conversation(north, mailbox):
    return write_in(north, "maria@example.com", "Order 123", "Where is it?", mailbox=mailbox)


@pytest.fixture
def nora(agent_north):
    client = Client()
    client.force_login(agent_north)
    return client


def failed_reply(conversation, agent, settings):
    settings.HELPLINE_OUTBOX_MAX_ATTEMPTS = 1
    message = actions.reply(agent, conversation, "It ships Friday.")
    assert outbox.deliver(message.outbound.pk) == OutboxStatus.FAILED
    message.refresh_from_db()
    assert message.delivery == Delivery.FAILED
    return message


def thread_of(client, conversation) -> str:
    """The page's text with its markup, and the words without it (tags dropped)."""
    page = client.get(reverse("desk:conversation", args=[conversation.pk])).text
    return page + html.unescape(re.sub(r"<[^>]+>", "", page))


def test_a_refused_connection_is_said_in_words_and_retried(
    conversation, agent_north, nora, settings, smtp_server
):
    working_port, settings.EMAIL_PORT = settings.EMAIL_PORT, free_port()  # nobody listens there
    message = failed_reply(conversation, agent_north, settings)

    page = thread_of(nora, conversation)
    assert "Not sent: The mail server refused the connection." in page
    assert "ConnectionRefusedError" in page  # kept for whoever fixes the server, folded away
    assert f'id="retry-{message.pk}">Retry</button>' in page

    settings.EMAIL_PORT = working_port  # the server is back
    response = nora.post(
        reverse("desk:conversation-retry-delivery", args=[conversation.pk, message.pk])
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#message-{message.pk}")
    message.refresh_from_db()
    assert (message.delivery, message.delivery_error) == (Delivery.QUEUED, "")
    assert Activity.objects.filter(verb="message.retried", subject_id=message.pk).count() == 1
    assert outbox.deliver(message.outbound.pk) == OutboxStatus.SENT
    assert len(smtp_server.wait_for(1)) == 1
    assert "Retry</button>" not in thread_of(nora, conversation)


def test_a_rejected_recipient_is_said_in_words(
    conversation, agent_north, nora, settings, refusing_server
):
    failed_reply(conversation, agent_north, settings)

    page = thread_of(nora, conversation)
    assert "Not sent: The recipient's address was rejected" in page
    assert "SMTPRecipientsRefused" in page


def test_only_a_failed_mail_is_retried(conversation, agent_north, nora):
    message = actions.reply(agent_north, conversation, "Still queued")
    response = nora.post(
        reverse("desk:conversation-retry-delivery", args=[conversation.pk, message.pk]),
        follow=True,
    )
    assert "Not retried: this mail is waiting to be sent, not failed." in response.text
    assert not Activity.objects.filter(verb="message.retried").exists()


def test_another_conversations_message_is_not_retried_here(conversation, agent_north, nora, north):
    other = write_in(north, "otto@example.com", "Other", "Hi")
    message = actions.reply(agent_north, other, "Hello Otto")
    url = reverse("desk:conversation-retry-delivery", args=[conversation.pk, message.pk])
    assert nora.post(url).status_code == 404


@pytest.mark.parametrize(
    "stored, reason",
    [
        ("ConnectionRefusedError: [Errno 111] Connection refused", "refused the connection"),
        (
            "SMTPRecipientsRefused: {'m@x.example': (550, b'5.1.1 User unknown')}",
            "The recipient's address was rejected",
        ),
        ("SMTPAuthenticationError: (535, b'5.7.8 bad credentials')", "user name or password"),
        ("gaierror: [Errno -2] Name or service not known", "name could not be found"),
        ("TimeoutError: timed out", "did not answer in time"),
        ("SMTPServerDisconnected: Connection unexpectedly closed", "hung up"),
        ("SMTPDataError: (554, b'5.7.1 Message rejected as spam')", "refused the message"),
        ("552 5.2.2 Mailbox full", "mailbox is full"),
        ("bounced for maria@example.com", "sent it back"),
        ("KeyError: 'surprise'", "The mail could not be sent."),
    ],
)
def test_stored_errors_map_to_reasons(stored, reason):
    problem = delivery_problem(stored)
    assert reason in problem.reason
    assert problem.details == stored and not problem.retrying


def test_a_retrying_error_says_so():
    problem = delivery_problem("ConnectionRefusedError: refused (attempt 2, retrying)")
    assert problem.retrying and problem.attempts == 2
    assert problem.details == "ConnectionRefusedError: refused"
    assert delivery_problem("") is None
