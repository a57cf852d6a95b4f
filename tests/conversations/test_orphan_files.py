"""Attachment files that no row points to: a rolled-back block deletes its own, and the
beat sweep removes what a killed process left, once older than the grace period."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.files import remove_orphan_files, removed_if_rolled_back
from helpline.conversations.models import Attachment
from helpline.conversations.receive import IncomingAttachment, receive, store_attachments
from tests.conftest import REPO, email_from, subprocess_env


@pytest.fixture
def files_dir(settings, tmp_path):
    """Attachments stored in a folder of this test's own."""
    folder = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


def on_disk(folder: Path) -> set[str]:
    root = folder / "attachments"
    return {str(p.relative_to(folder)) for p in root.rglob("*") if p.is_file()}


def age(folder: Path, name: str, minutes: int) -> None:
    then = time.time() - minutes * 60
    os.utime(folder / name, (then, then))


def pdf(name: str) -> IncomingAttachment:
    return IncomingAttachment(name, "application/pdf", b"%PDF-1.4 " + name.encode())


@pytest.mark.django_db
def test_the_sweep_removes_old_files_without_a_row_and_keeps_the_rest(files_dir):
    kept = receive(email_from(attachments=[pdf("receipt.pdf")])).message.attachments.get()
    age(files_dir, kept.file.name, 600)
    old_orphan = default_storage.save("attachments/7/70/old.pdf", ContentFile(b"old"))
    age(files_dir, old_orphan, 61)
    young_orphan = default_storage.save("attachments/7/71/young.pdf", ContentFile(b"young"))
    age(files_dir, young_orphan, 30)

    assert actions.remove_orphan_files() == 1  # the default grace: an hour

    assert on_disk(files_dir) == {kept.file.name, young_orphan}
    assert Attachment.objects.get().file.read() == b"%PDF-1.4 receipt.pdf"


@pytest.mark.django_db
def test_beat_runs_the_sweep(settings, files_dir):
    from helpline.conversations import tasks

    orphan = default_storage.save("attachments/8/80/left.pdf", ContentFile(b"x"))
    age(files_dir, orphan, 120)
    entry = settings.CELERY_BEAT_SCHEDULE["remove-orphan-files"]

    assert entry["task"] == tasks.remove_orphan_files.name
    assert entry["schedule"] == 24 * 3600
    assert tasks.remove_orphan_files() == 1
    assert on_disk(files_dir) == set()


@pytest.mark.django_db
def test_a_grace_period_protects_files_of_a_batch_in_flight(files_dir):
    orphan = default_storage.save("attachments/9/90/in-flight.pdf", ContentFile(b"x"))

    assert remove_orphan_files(grace=timedelta(minutes=5)) == 0
    later = timezone.now() + timedelta(minutes=6)
    assert remove_orphan_files(grace=timedelta(minutes=5), now=later) == 1
    assert orphan not in on_disk(files_dir)


@pytest.mark.django_db
def test_the_sweep_with_no_attachment_folder_does_nothing(files_dir):
    assert remove_orphan_files() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_block_deletes_the_files_it_stored(files_dir):
    message = receive(email_from()).message

    with pytest.raises(RuntimeError), removed_if_rolled_back(), transaction.atomic():
        store_attachments([(message, pdf("a.pdf")), (message, pdf("b.pdf"))])
        assert len(on_disk(files_dir)) == 2
        raise RuntimeError("the batch failed after its files were written")

    assert not Attachment.objects.exists()
    assert on_disk(files_dir) == set()


@pytest.mark.django_db(transaction=True)
def test_a_committed_block_keeps_its_files(files_dir):
    message = receive(email_from()).message
    with removed_if_rolled_back(), transaction.atomic():
        store_attachments([(message, pdf("a.pdf"))])
    assert on_disk(files_dir) == {Attachment.objects.get().file.name}


# --------------------------------------------------------------------------- kill -9


def mail_with_file(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <customer{n}@example.com>"
    msg["To"] = "support@shop.test"
    msg["Subject"] = f"Invoice {n}"
    msg["Message-ID"] = f"<inv{n}@example.com>"
    msg["Date"] = format_datetime(timezone.now())
    msg.set_content(f"Here is invoice {n}.\n")
    msg.add_attachment(
        os.urandom(20_000), maintype="application", subtype="pdf", filename=f"{n}.pdf"
    )
    return bytes(msg).replace(b"\r\n", b"\n")


def kill_mid_batch(command: list[str], env: dict, files_dir: Path) -> None:
    """Run the import and kill -9 it while a batch is in flight: files on disk whose rows
    are not committed yet."""
    child = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline:
            if Attachment.objects.exists() and len(on_disk(files_dir)) > Attachment.objects.count():
                os.kill(child.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait()


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_batch_then_swept_leaves_a_file_per_row(tmp_path, files_dir, mailbox):
    count = 400
    maildir = tmp_path / "mail"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n in range(count):
        (maildir / "new" / f"{n:04d}.eml").write_bytes(mail_with_file(n))
    env = subprocess_env(LOG_LEVEL="WARNING", HELPLINE_DATA_DIR=tmp_path)
    command = [sys.executable, "-m", "helpline.cli", "import-mail", str(maildir), "--quiet"]
    for _attempt in range(3):  # a kill that lands just after a commit leaves no orphan: again
        kill_mid_batch(command, env, files_dir)
        rows = Attachment.objects.count()
        if len(on_disk(files_dir)) > rows:
            break
    assert 0 < rows < count, "the import was killed part-way"
    assert len(on_disk(files_dir)) > rows, "the kill left files of an uncommitted batch"

    after_kill = len(on_disk(files_dir))

    assert actions.remove_orphan_files() == 0  # young: they could be a batch in flight
    removed = remove_orphan_files(now=timezone.now() + timedelta(hours=2))
    print(f"\nafter kill -9: {after_kill} files, {rows} rows; the sweep removed {removed}")

    assert removed > 0
    assert on_disk(files_dir) == set(Attachment.objects.values_list("file", flat=True))
    assert len(on_disk(files_dir)) == rows
