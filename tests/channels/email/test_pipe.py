"""`helpline ingest-email < message` as an MTA runs it: exit 0 when kept, 75 to retry."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from helpline.channels.email.models import RawEmail, RawStatus
from helpline.conversations.models import Message
from helpline.core.models import Mailbox
from tests.conftest import free_port, raw_mail, subprocess_env

HELPLINE = str(Path(sys.executable).parent / "helpline")
EX_TEMPFAIL = 75


def mail(message_id="<pipe-1@customer.example>", to="support@shop.test", body="Hello") -> bytes:
    return raw_mail(message_id=message_id, to=to, body=body, date="Mon, 02 Nov 2026 10:00:00 +0000")


def pipe(raw: bytes, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HELPLINE, "ingest-email", *args],
        input=raw,
        env=subprocess_env(**env),
        capture_output=True,
        timeout=120,
    )


def plain_env(**extra) -> dict:
    """An environment for a child that must not need the test database."""
    return {**os.environ, "HELPLINE_DATA_DIR": str(settings.DATA_DIR), **extra}


def unreachable_database() -> str:
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return "sqlite:////nonexistent-folder/helpline.sqlite3"
    return f"postgres://postgres@127.0.0.1:{free_port()}/helpline"


@pytest.mark.django_db(transaction=True)
def test_a_piped_message_is_stored_and_the_command_exits_0(mailbox):
    done = pipe(mail())

    assert done.returncode == 0, done.stderr.decode()
    message = Message.objects.get(direction="inbound")
    assert done.stdout.decode().strip() == f"stored on conversation {message.conversation_id}"
    assert message.conversation.mailbox == mailbox
    raw = RawEmail.objects.get()
    assert (raw.source, raw.status, bytes(raw.data)) == ("pipe", RawStatus.STORED, mail())


@pytest.mark.django_db(transaction=True)
def test_the_same_message_piped_twice_is_a_duplicate_and_exits_0(mailbox):
    pipe(mail())
    again = pipe(mail())

    assert again.returncode == 0
    assert again.stdout.decode().startswith("duplicate on conversation ")
    assert Message.objects.filter(direction="inbound").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_that_cannot_be_stored_is_quarantined_and_exits_0(mailbox):
    done = pipe(mail(body="x" * 5000), HELPLINE_MAX_EMAIL_BYTES=1000)

    assert done.returncode == 0, done.stderr.decode()
    raw = RawEmail.objects.get()
    assert done.stdout.decode().startswith(f"quarantined {raw.sha256[:12]}: ")
    assert raw.status == RawStatus.QUARANTINED
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_mailbox_names_the_support_address_the_mail_was_delivered_to(mailbox, south):
    other = Mailbox.objects.create(address="shop@south.test", location=south)

    done = pipe(mail(to="someone-else@example.org"), "--mailbox", "SHOP@south.test")

    assert done.returncode == 0, done.stderr.decode()
    conversation = Message.objects.get(direction="inbound").conversation
    assert (conversation.mailbox, conversation.location) == (other, south)


@pytest.mark.django_db(transaction=True)
def test_an_unknown_mailbox_exits_with_tempfail_so_the_mta_keeps_the_mail(mailbox):
    done = pipe(mail(), "--mailbox", "nobody@shop.test")

    assert done.returncode == EX_TEMPFAIL
    assert b"no active mailbox with the address nobody@shop.test" in done.stderr
    assert not RawEmail.objects.exists()


def test_an_unreachable_database_exits_with_tempfail_so_the_mta_retries():
    done = subprocess.run(
        [HELPLINE, "ingest-email"],
        input=mail(),
        env=plain_env(DATABASE_URL=unreachable_database()),
        capture_output=True,
        timeout=120,
    )

    assert done.returncode == EX_TEMPFAIL, done.stderr.decode()


def test_an_empty_stdin_is_refused():
    done = subprocess.run(
        [HELPLINE, "ingest-email"],
        input=b"",
        env=plain_env(),
        capture_output=True,
        timeout=120,
    )

    assert done.returncode == 66
    assert b"no message on stdin" in done.stderr
