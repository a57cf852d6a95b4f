"""`helpline check`: what is configured and which services do not answer."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port, require, subprocess_env

HELPLINE = str(Path(sys.executable).with_name("helpline"))


def check(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HELPLINE, "check"],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def mail_env(smtp_server, settings):
    return {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": settings.EMAIL_PORT}


def test_it_passes_when_every_service_answers(db, mail_env):
    result = check(**mail_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Database" in result.stdout
    assert "Broker" in result.stdout
    assert f"SMTP 127.0.0.1:{mail_env['EMAIL_PORT']}  ok" in result.stdout
    assert "Everything answers." in result.stdout


def test_it_reports_a_broker_that_does_not_answer_and_masks_its_password(db, mail_env):
    port = free_port()
    result = check(**mail_env, CELERY_BROKER_URL=f"redis://:s3cret-pw@127.0.0.1:{port}/0")
    assert result.returncode == 1
    assert f"redis://:**@127.0.0.1:{port}/0  UNREACHABLE" in result.stdout
    assert "broker unreachable" in result.stdout
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_it_reports_a_real_time_layer_that_does_not_answer(db, mail_env):
    port = free_port()
    result = check(**mail_env, CHANNEL_LAYERS_URL=f"redis://:s3cret-pw@127.0.0.1:{port}/3")
    assert result.returncode == 1
    assert f"Real-time layer  redis://:**@127.0.0.1:{port}/3  UNREACHABLE" in result.stdout
    assert "s3cret-pw" not in result.stdout + result.stderr
    answering = check(**mail_env, CHANNEL_LAYERS_URL="redis://127.0.0.1:6379/13")
    assert "Real-time layer  redis://127.0.0.1:6379/13  ok" in answering.stdout


def test_it_reports_an_smtp_server_that_does_not_answer(db):
    port = free_port()
    result = check(EMAIL_HOST="127.0.0.1", EMAIL_PORT=port)
    assert result.returncode == 1
    assert f"SMTP server unreachable at 127.0.0.1:{port}" in result.stdout


def test_it_does_not_need_smtp_when_mail_goes_elsewhere(db):
    result = check(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not SMTP" in result.stdout


def test_it_reports_a_database_that_does_not_answer(db, mail_env):
    port = free_port()
    env = subprocess_env(**mail_env)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/nothing"
    result = subprocess.run([HELPLINE, "check"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "database unreachable" in result.stdout


@pytest.mark.imap
@pytest.mark.django_db(transaction=True)
def test_it_checks_that_each_imap_mailbox_greets_us(mail_env):
    from helpline.core.models import Mailbox, MailboxDelivery
    from tests.channels.email.imap_server import ImapServer, can_run

    require(*can_run())
    server = ImapServer.start()
    try:
        Mailbox.objects.create(
            address="imap@shop.test",
            delivery=MailboxDelivery.IMAP,
            imap_host="127.0.0.1",
            imap_port=server.port,
            imap_ssl=False,
        )
        closed = free_port()
        Mailbox.objects.create(
            address="gone@shop.test",
            delivery=MailboxDelivery.IMAP,
            imap_host="127.0.0.1",
            imap_port=closed,
            imap_ssl=False,
        )
        result = check(**mail_env)
    finally:
        server.stop()
    assert f"Mailbox imap@shop.test IMAP 127.0.0.1:{server.port}  ok" in result.stdout
    assert f"Mailbox gone@shop.test IMAP 127.0.0.1:{closed}  UNREACHABLE" in result.stdout
    assert "IMAP server of gone@shop.test unreachable" in result.stdout
    assert result.returncode == 1
