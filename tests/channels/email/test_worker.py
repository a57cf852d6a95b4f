"""A real Celery worker on Redis sends the outbox, and a worker killed mid-send loses nothing."""

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from aiosmtpd.controller import Controller

from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.conversations import actions
from helpline.conversations.receive import receive
from tests.conftest import email_from, free_port, require, subprocess_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def broker(settings):
    """The suite's broker: Redis, as in production (`make test` points CELERY_BROKER_URL at it)."""
    url = settings.CELERY_BROKER_URL
    require(url.startswith("redis://"), f"CELERY_BROKER_URL is a Redis URL (it is {url})")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        require(False, f"Redis answers at {url}")
    client.flushdb()
    yield url
    client.flushdb()


class StallingInbox:
    """An SMTP server that holds the first message until released, then accepts."""

    def __init__(self):
        self.accepted = []
        self.stalled = asyncio.Event()
        self.stalls = 1

    async def handle_DATA(self, server, session, envelope):
        if self.stalls:
            self.stalls -= 1
            self.stalled.set()
            await asyncio.sleep(60)
            return "451 too late"
        self.accepted.append(envelope)
        return "250 OK"


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpline",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until(predicate, timeout=60.0, every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> str:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        out, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
    return out.decode(errors="replace")


@pytest.fixture
def conversation(mailbox):
    mailbox.send_acknowledgement = False
    mailbox.save()
    received = receive(
        email_from(
            subject="Kettle", text="It leaks.", external_id="k@customer.example", mailbox=mailbox
        )
    )
    return received.message.conversation


def test_a_worker_sends_a_reply_queued_by_an_action(
    broker, conversation, agent_north, smtp_server, settings
):
    worker = start_worker(
        subprocess_env(
            CELERY_BROKER_URL=broker, EMAIL_HOST="127.0.0.1", EMAIL_PORT=settings.EMAIL_PORT
        )
    )
    try:
        message = actions.reply(agent_north, conversation, "On its way.")
        assert smtp_server.wait_for(1, timeout=60), stop(worker)
        assert wait_until(
            lambda: OutboundEmail.objects.get(message=message).status == OutboxStatus.SENT
        )
    finally:
        log = stop(worker)
    assert "succeeded" in log


def test_a_worker_killed_mid_send_loses_no_mail(broker, conversation, agent_north):
    inbox = StallingInbox()
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    env = subprocess_env(
        CELERY_BROKER_URL=broker,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=server.port,
        EMAIL_TIMEOUT=120,
        HELPLINE_OUTBOX_CLAIM_SECONDS=2,
    )
    first = start_worker(env)
    try:
        message = actions.reply(agent_north, conversation, "Your replacement ships today.")
        outbound = OutboundEmail.objects.get(message=message)
        assert wait_until(inbox.stalled.is_set), stop(first)
        assert OutboundEmail.objects.get(pk=outbound.pk).status == OutboxStatus.SENDING
        stop(first, signal.SIGKILL)  # dies in the middle of the SMTP transaction

        second = start_worker(env)
        try:
            # The periodic sweep (celery beat in production) finds the stale claim.
            from helpline.channels.email.tasks import send_due_outbound

            def sent():
                if OutboundEmail.objects.get(pk=outbound.pk).status != OutboxStatus.SENT:
                    send_due_outbound.delay()
                    time.sleep(1)
                return OutboundEmail.objects.get(pk=outbound.pk).status == OutboxStatus.SENT

            assert wait_until(sent, timeout=90), stop(second)
        finally:
            stop(second)
    finally:
        server.stop()
    assert len(inbox.accepted) == 1
    assert inbox.accepted[0].rcpt_tos == ["maria@example.com"]
