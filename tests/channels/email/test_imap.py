"""IMAP polling against a real Dovecot: every message once, even across a kill -9."""

import os
import re
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from helpline.channels.email import imap
from helpline.channels.email.models import ImapCursor, RawEmail
from helpline.conversations.models import Message
from helpline.core.models import Mailbox, MailboxDelivery
from tests.channels.email.imap_server import ImapServer, can_run
from tests.conftest import raw_mail, require, subprocess_env

pytestmark = pytest.mark.imap

HELPLINE = str(Path(sys.executable).parent / "helpline")


@pytest.fixture(scope="session")
def imap_server():
    ok, reason = can_run()
    require(ok, reason)
    server = ImapServer.start()
    yield server
    server.stop()


@pytest.fixture
def imap_mailbox(request, imap_server, north):
    """An IMAP mailbox reading a folder of its own on the test server."""
    folder = imap_server.fresh_folder(re.sub(r"\W", "", request.node.name)[:60])
    mailbox = Mailbox(
        address=f"{folder.lower()}@shop.test",
        name="Shop Support",
        location=north,
        delivery=MailboxDelivery.IMAP,
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_ssl=False,
        imap_user=imap_server.user,
        imap_folder=folder,
        send_acknowledgement=False,
    )
    mailbox.set_imap_password(imap_server.password)
    mailbox.save()
    return mailbox


def mail(n: int, to: str = "support@shop.test") -> bytes:
    return raw_mail(
        sender=f"Customer {n} <customer{n}@example.com>",
        to=to,
        subject=f"Question number {n}",
        body=f"Hello, this is question {n}.\n",
        message_id=f"<question-{n}@example.com>",
        date="Mon, 02 Nov 2026 10:00:00 +0000",
    ).replace(b"\n", b"\r\n")


def fetch_mail(*args) -> str:
    out = StringIO()
    call_command("fetch_mail", *args, stdout=out)
    return out.getvalue()


def inbound_ids() -> list[str]:
    return sorted(Message.objects.filter(direction="inbound").values_list("external_id", flat=True))


@pytest.mark.django_db
def test_messages_appended_over_imap_are_ingested_by_fetch_mail(imap_server, imap_mailbox):
    uids = imap_server.append(imap_mailbox.imap_folder, [mail(n) for n in range(3)])

    output = fetch_mail("--mailbox", imap_mailbox.address)

    assert "3 fetched, 3 stored, 0 duplicate, 0 quarantined" in output
    assert inbound_ids() == [f"question-{n}@example.com" for n in range(3)]
    assert set(RawEmail.objects.values_list("source", flat=True)) == {"imap"}
    conversation = Message.objects.filter(direction="inbound").first().conversation
    assert conversation.mailbox == imap_mailbox
    cursor = ImapCursor.objects.get(mailbox=imap_mailbox)
    assert cursor.last_uid == max(uids)
    assert cursor.uidvalidity == imap_server.uidvalidity(imap_mailbox.imap_folder)
    assert imap_server.unseen(imap_mailbox.imap_folder) == []


@pytest.mark.django_db
def test_a_second_run_fetches_only_what_arrived_since(imap_server, imap_mailbox):
    imap_server.append(imap_mailbox.imap_folder, [mail(n) for n in range(2)])
    fetch_mail()

    assert "0 fetched" in fetch_mail()
    imap_server.append(imap_mailbox.imap_folder, [mail(2)])
    assert "1 fetched, 1 stored" in fetch_mail()

    assert RawEmail.objects.count() == 3
    assert len(inbound_ids()) == 3


@pytest.mark.django_db
def test_keep_unseen_leaves_the_messages_unread_on_the_server(imap_server, imap_mailbox):
    uids = imap_server.append(imap_mailbox.imap_folder, [mail(n) for n in range(2)])

    fetch_mail("--keep-unseen")

    assert len(inbound_ids()) == 2
    assert imap_server.unseen(imap_mailbox.imap_folder) == uids


@pytest.mark.django_db
def test_a_changed_uidvalidity_reads_the_folder_again_without_storing_twice(
    imap_server, imap_mailbox
):
    folder = imap_mailbox.imap_folder
    imap_server.append(folder, [mail(n) for n in range(3)])
    fetch_mail()
    old_validity = ImapCursor.objects.get(mailbox=imap_mailbox).uidvalidity

    # The folder is recreated: UIDs start at 1 again, below the cursor. The new
    # message gets UID 1, which a poller trusting the old cursor would skip.
    imap_server.fresh_folder(folder)
    imap_server.append(folder, [mail(99), *(mail(n) for n in range(3))])
    assert imap_server.uidvalidity(folder) != old_validity

    report = imap.fetch_mailbox(imap_mailbox)

    assert report.uidvalidity_reset
    assert (report.fetched, report.stored, report.duplicate) == (4, 1, 3)
    assert inbound_ids() == sorted(f"question-{n}@example.com" for n in (0, 1, 2, 99))
    cursor = ImapCursor.objects.get(mailbox=imap_mailbox)
    assert (cursor.uidvalidity, cursor.last_uid) == (imap_server.uidvalidity(folder), 4)


@pytest.mark.django_db
def test_a_wrong_password_is_reported_and_the_other_mailboxes_are_still_fetched(
    imap_server, imap_mailbox
):
    broken = Mailbox(
        address="broken@shop.test",
        delivery=MailboxDelivery.IMAP,
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_ssl=False,
        imap_user=imap_server.user,
        imap_folder=imap_mailbox.imap_folder,
    )
    broken.set_imap_password("not the password")
    broken.save()
    imap_server.append(imap_mailbox.imap_folder, [mail(1)])

    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 mailbox"):
        call_command("fetch_mail", stdout=out)

    assert re.search(r"broken@shop.test: .*ERROR IMAP", out.getvalue())
    assert f"{imap_mailbox.address}: 1 fetched, 1 stored" in out.getvalue()
    assert inbound_ids() == ["question-1@example.com"]


@pytest.mark.django_db
def test_fetch_all_polls_every_active_imap_mailbox(imap_server, imap_mailbox, mailbox):
    imap_server.append(imap_mailbox.imap_folder, [mail(1)])

    reports = imap.fetch_all()

    assert list(reports) == [imap_mailbox.address]  # the push mailbox is not polled
    assert reports[imap_mailbox.address]["stored"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_mailbox_another_poller_holds_is_skipped(imap_server, imap_mailbox):
    imap_server.append(imap_mailbox.imap_folder, [mail(1)])

    with imap.poller_lock(imap_mailbox) as locked:
        assert locked
        busy = subprocess.run(
            [HELPLINE, "fetch-mail"], env=subprocess_env(), capture_output=True, timeout=120
        )
    assert busy.returncode == 0, busy.stderr.decode()
    assert b"skipped, another poller" in busy.stdout
    assert RawEmail.objects.count() == 0

    after = subprocess.run(
        [HELPLINE, "fetch-mail"], env=subprocess_env(), capture_output=True, timeout=120
    )
    assert b"1 fetched, 1 stored" in after.stdout, after.stderr.decode()


@pytest.mark.django_db(transaction=True)
def test_a_poller_killed_mid_batch_loses_nothing_and_stores_nothing_twice(
    imap_server, imap_mailbox
):
    count = 200
    uids = imap_server.append(imap_mailbox.imap_folder, [mail(n) for n in range(count)])

    poller = subprocess.Popen(
        [HELPLINE, "fetch-mail"],
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        while RawEmail.objects.count() < 10 and poller.poll() is None:
            time.sleep(0.02)
        os.kill(poller.pid, signal.SIGKILL)
    finally:
        output = poller.communicate(timeout=60)[0].decode()
    assert poller.returncode == -signal.SIGKILL, f"the poller was not killed mid-run: {output}"
    stored_before = RawEmail.objects.count()
    assert stored_before < count

    rerun = subprocess.run(
        [HELPLINE, "fetch-mail"], env=subprocess_env(), capture_output=True, timeout=300
    )

    assert rerun.returncode == 0, rerun.stderr.decode()
    assert RawEmail.objects.count() == count
    assert inbound_ids() == sorted(f"question-{n}@example.com" for n in range(count))
    assert ImapCursor.objects.get(mailbox=imap_mailbox).last_uid == max(uids)
    # At most the one message in flight at the kill is fetched again.
    fetched = int(re.search(rb"(\d+) fetched", rerun.stdout).group(1))
    assert count - stored_before <= fetched <= count - stored_before + 1
