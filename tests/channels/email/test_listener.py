"""`helpline mail-listener`: LMTP and SMTP from the local MTA, answered only once stored."""

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from helpline.channels.email.models import RawEmail, RawStatus
from helpline.conversations.models import Conversation, Message
from helpline.core.models import Mailbox
from tests.conftest import free_port, raw_mail, subprocess_env

HELPLINE = str(Path(sys.executable).parent / "helpline")


def mail(message_id="<listener-1@customer.example>", to="support@shop.test", body="Hello") -> bytes:
    return raw_mail(message_id=message_id, to=to, body=body, date="Mon, 02 Nov 2026 10:00:00 +0000")


class Listener:
    def __init__(self, env: dict):
        self.smtp_port = free_port()
        self.lmtp_port = free_port()
        self.process = subprocess.Popen(
            [
                HELPLINE,
                "mail-listener",
                "--smtp-port",
                str(self.smtp_port),
                "--lmtp-port",
                str(self.lmtp_port),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._wait_for(self.smtp_port)
        self._wait_for(self.lmtp_port)

    def _wait_for(self, port: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the listener died: {self.process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the listener does not answer on port {port}")

    def smtp(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30)

    def lmtp(self) -> smtplib.LMTP:
        return smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30)

    def stop(self) -> tuple[int, str, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out.decode(), err.decode()


@pytest.fixture
def start_listener():
    started = []

    def start(env=None, **extra) -> Listener:
        listener = Listener(env or subprocess_env(**extra))
        started.append(listener)
        return listener

    yield start
    for listener in started:
        if listener.process.poll() is None:
            listener.process.kill()
            listener.process.wait()


@pytest.fixture
def listener(start_listener, mailbox):
    return start_listener()


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_over_smtp_lands_on_a_conversation(listener, mailbox):
    with listener.smtp() as client:
        refused = client.sendmail("maria@example.com", ["support@shop.test"], mail())

    # 250 came after the commit: the message is there without waiting.
    assert refused == {}
    conversation = Conversation.objects.get()
    assert conversation.mailbox == mailbox
    raw = RawEmail.objects.get()
    assert (raw.source, raw.status, raw.mailbox) == ("smtp", RawStatus.STORED, mailbox)


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_over_lmtp_lands_on_a_conversation(listener, mailbox):
    with listener.lmtp() as client:
        refused = client.sendmail("maria@example.com", ["Support@Shop.test"], mail())

    assert refused == {}
    assert Conversation.objects.get().mailbox == mailbox
    assert RawEmail.objects.get().source == "lmtp"


@pytest.mark.parametrize("transport", ["smtp", "lmtp"])
@pytest.mark.django_db(transaction=True)
def test_a_message_sent_again_is_accepted_as_a_duplicate(listener, mailbox, transport):
    # An MTA sends again what it has no answer for: the listener killed after the commit
    # and before its 250, or a timeout. The copy is stored already, so it is a 250, never
    # an error that would bounce the customer's mail back to them.
    for _ in range(2):
        with getattr(listener, transport)() as client:
            refused = client.sendmail("maria@example.com", ["support@shop.test"], mail())
        assert refused == {}

    assert RawEmail.objects.count() == 1
    assert Message.objects.filter(direction="inbound").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_recipient_that_is_not_a_mailbox_is_refused_with_550(listener):
    with listener.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("spammer@example.net", ["someone@elsewhere.example"], mail())

    assert refused.value.recipients["someone@elsewhere.example"][0] == 550
    assert not RawEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_inactive_mailbox_is_not_a_recipient(listener, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(active=False)

    with listener.lmtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail("maria@example.com", ["support@shop.test"], mail())


@pytest.mark.django_db(transaction=True)
def test_lmtp_refuses_the_unknown_recipient_and_delivers_to_the_mailbox(listener, mailbox):
    with listener.lmtp() as client:
        refused = client.sendmail(
            "maria@example.com", ["nobody@shop.test", "support@shop.test"], mail()
        )

    assert refused["nobody@shop.test"][0] == 550
    assert Message.objects.filter(direction="inbound").count() == 1


@pytest.mark.django_db(transaction=True)
def test_lmtp_answers_data_once_for_each_recipient(listener, mailbox, south):
    Mailbox.objects.create(address="shop@south.test", location=south)

    with listener.lmtp() as client:
        client.ehlo()  # LHLO for smtplib.LMTP
        client.mail("maria@example.com")
        assert client.rcpt("support@shop.test")[0] == 250
        assert client.rcpt("shop@south.test")[0] == 250
        first = client.data(mail(to="support@shop.test, shop@south.test"))
        second = client.getreply()

    assert (first[0], second[0]) == (250, 250)
    # One message, ingested once, for the mailbox of the first recipient.
    assert RawEmail.objects.count() == 1
    assert Conversation.objects.get().mailbox == mailbox


@pytest.mark.django_db(transaction=True)
def test_a_message_over_the_size_limit_is_refused_with_552(start_listener, mailbox):
    listener = start_listener(HELPLINE_MAX_EMAIL_BYTES=2000)

    with listener.smtp() as client, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("maria@example.com", ["support@shop.test"], mail(body="x" * 5000))

    assert refused.value.smtp_code == 552
    assert not RawEmail.objects.exists()


def test_an_unreachable_database_answers_451_so_the_mta_retries(start_listener):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        url = "sqlite:////nonexistent-folder/helpline.sqlite3"
    else:
        url = f"postgres://postgres@127.0.0.1:{free_port()}/helpline"
    env = {**os.environ, "HELPLINE_DATA_DIR": str(settings.DATA_DIR), "DATABASE_URL": url}
    listener = start_listener(env)

    with listener.smtp() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("maria@example.com", ["support@shop.test"], mail())

    assert refused.value.recipients["support@shop.test"][0] == 451


@pytest.mark.django_db(transaction=True)
def test_the_listener_stops_cleanly_on_sigterm(listener):
    with listener.smtp() as client:
        assert client.noop()[0] == 250

    returncode, out, err = listener.stop()

    assert returncode == 0, err
    assert "listening for SMTP" in out
    assert "mail listener stopped" in out
