"""`helpline import-mail`: mbox, Maildir and .eml folders in, every message exactly once."""

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from helpline.channels.email.ingest import parse_many
from helpline.channels.email.mailimport import MailImporter, ParseAhead, _Batch, read_mbox
from helpline.channels.email.models import OutboundEmail, RawEmail, RawStatus
from helpline.channels.email.parse import parse_email
from helpline.channels.email.parsed import ParsedEmail, UnparseableEmail
from helpline.conversations.models import Message
from tests.conftest import REPO, SHARED_FIXTURES, raw_mail, require, subprocess_env

FEDORA_MONTH = (
    SHARED_FIXTURES
    / "jwzthreading/jwzthreading/tests/data/fedora-devel-mailman/2010-January.txt.gz"
)


def mail(n: int, body: str = "", **headers) -> bytes:
    return raw_mail(
        sender=f"Customer {n} <customer{n}@example.com>",
        to="support@shop.test",
        subject=f"Question {n}",
        body=body or f"Hello, this is question number {n}.\n",
        message_id=f"<q{n}@example.com>",
        date="Mon, 02 Nov 2026 10:00:00 +0000",
        **headers,
    ).replace(b"\r\n", b"\n")


def mbox(messages: list[bytes]) -> bytes:
    """An mboxrd file: From_ lines, '>'-escaped From lines, a blank line after each message."""
    out = []
    for raw in messages:
        out.append(b"From customer@example.com Mon Nov  2 10:00:00 2026\n")
        for line in raw.splitlines(keepends=True):
            stripped = line.lstrip(b">")
            out.append(b">" + line if stripped.startswith(b"From ") else line)
        if not raw.endswith(b"\n"):
            out.append(b"\n")
        out.append(b"\n")
    return b"".join(out)


def import_mail(*args) -> dict:
    out = io.StringIO()
    call_command("import_mail", *[str(a) for a in args], "--json", "--quiet", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def stored_ids() -> list[str]:
    return list(Message.objects.filter(direction="inbound").values_list("external_id", flat=True))


# --------------------------------------------------------------------------- reading mbox


def test_an_mbox_is_split_on_from_lines_after_a_blank_line_and_unescaped():
    body = "Line one.\n\nFrom what I hear, it broke.\n>From the manual: page 3.\n"
    data = mbox([mail(1, body), mail(2)])

    messages = [raw for raw, _ in read_mbox(io.BytesIO(data))]

    assert len(messages) == 2
    assert messages[0] == mail(1, body)  # the delivered bytes exactly, '>From' unescaped
    assert messages[1] == mail(2)


def test_reading_resumes_at_an_offset_it_yielded():
    data = mbox([mail(1), mail(2), mail(3)])
    first, after_first = next(read_mbox(io.BytesIO(data)))

    rest = [raw for raw, _ in read_mbox(io.BytesIO(data), after_first)]

    assert first == mail(1)
    assert rest == [mail(2), mail(3)]


def test_an_mbox_with_crlf_line_ends_is_read():
    data = mbox([mail(1), mail(2)]).replace(b"\n", b"\r\n")

    messages = [raw for raw, _ in read_mbox(io.BytesIO(data))]

    assert [m.replace(b"\r\n", b"\n") for m in messages] == [mail(1), mail(2)]


# --------------------------------------------------------------------------- importing


@pytest.mark.django_db
def test_an_mbox_is_imported(tmp_path, mailbox):
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(n) for n in range(5)]))

    report = import_mail(path)

    assert report["stored"] == 5 and report["duplicate"] == 0 and report["quarantined"] == 0
    assert sorted(stored_ids()) == [f"q{n}@example.com" for n in range(5)]
    assert set(RawEmail.objects.values_list("source", flat=True)) == {"import"}


@pytest.mark.django_db
def test_a_gzipped_mbox_is_imported(tmp_path, mailbox):
    path = tmp_path / "2010-January.txt.gz"
    path.write_bytes(gzip.compress(mbox([mail(n) for n in range(3)])))

    assert import_mail(path)["stored"] == 3


@pytest.mark.django_db
def test_a_maildir_is_imported_from_cur_and_new_but_not_tmp(tmp_path, mailbox):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1700000000.M1P1Q1.host:2,S").write_bytes(mail(1))
    (maildir / "cur" / "1700000001.M2P1Q2.host:2,RS").write_bytes(mail(2))
    (maildir / "new" / "1700000002.M3P1Q3.host").write_bytes(mail(3))
    (maildir / "tmp" / "1700000003.M4P1Q4.host").write_bytes(mail(4))  # still being delivered

    report = import_mail(maildir)

    assert report["stored"] == 3
    assert sorted(stored_ids()) == ["q1@example.com", "q2@example.com", "q3@example.com"]


@pytest.mark.django_db
def test_a_folder_of_eml_files_is_searched_recursively(tmp_path, mailbox):
    (tmp_path / "2025" / "march").mkdir(parents=True)
    (tmp_path / "a.eml").write_bytes(mail(1))
    (tmp_path / "2025" / "b.EML").write_bytes(mail(2))
    (tmp_path / "2025" / "march" / "c.eml.gz").write_bytes(gzip.compress(mail(3)))
    (tmp_path / "2025" / "old.mbox").write_bytes(mbox([mail(4), mail(5)]))
    (tmp_path / "2025" / "notes.txt").write_text("not mail")

    report = import_mail(tmp_path, "--mailbox", "support@shop.test")

    assert report["stored"] == 5
    assert report["ignored_files"] == 1
    assert len(stored_ids()) == 5


@pytest.mark.django_db
def test_a_rerun_imports_nothing_twice(tmp_path, mailbox):
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(n) for n in range(4)]))
    folder = tmp_path / "eml"
    folder.mkdir()
    for n in range(4, 7):
        (folder / f"{n}.eml").write_bytes(mail(n))
    import_mail(path)
    import_mail(folder)

    again = import_mail(path)
    from_scratch = import_mail(path, "--restart")
    folder_again = import_mail(folder)

    assert again["stored"] == 0 and again["resumed"] == 4  # the checkpoint: not read again
    assert from_scratch["stored"] == 0 and from_scratch["duplicate"] == 4
    assert folder_again["stored"] == 0 and folder_again["duplicate"] == 3
    assert len(stored_ids()) == 7
    assert RawEmail.objects.count() == 7


@pytest.mark.django_db
def test_an_mbox_that_grew_is_read_again_without_duplicates(tmp_path, mailbox):
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(1), mail(2)]))
    import_mail(path)
    path.write_bytes(mbox([mail(1), mail(2), mail(3)]))

    report = import_mail(path)

    assert report["stored"] == 1 and report["duplicate"] == 2
    assert len(stored_ids()) == 3


@pytest.mark.django_db
def test_a_broken_message_is_quarantined_not_lost(tmp_path, mailbox):
    broken = b"this line is not a header\nand this is no email at all\n"
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(1), broken, mail(2)]))

    report = import_mail(path)

    assert (report["stored"], report["quarantined"]) == (2, 1)
    kept = RawEmail.objects.get(status=RawStatus.QUARANTINED)
    assert bytes(kept.data) == broken
    assert kept.reason


@pytest.mark.django_db
def test_imported_mail_is_not_acknowledged(tmp_path, mailbox):
    assert mailbox.send_acknowledgement
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(n) for n in range(3)]))

    import_mail(path, "--mailbox", mailbox.address)

    assert len(stored_ids()) == 3
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_an_unknown_mailbox_or_path_is_refused(tmp_path, mailbox):
    with pytest.raises(CommandError, match="no mailbox"):
        import_mail(tmp_path, "--mailbox", "nobody@shop.test")
    with pytest.raises(CommandError, match="no such file"):
        import_mail(tmp_path / "missing.mbox")


@pytest.mark.django_db
def test_the_summary_names_every_count(tmp_path, mailbox):
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(1), mail(1), b"garbage without headers\n"]))
    out = io.StringIO()

    call_command("import_mail", str(path), "--quiet", stdout=out)

    assert "1 imported, 1 skipped as duplicate, 1 quarantined" in out.getvalue()


@pytest.mark.django_db
def test_a_real_mailing_list_month_is_fully_accounted_for(mailbox):
    require(FEDORA_MONTH.exists(), f"the shared fixture {FEDORA_MONTH} is present")

    report = import_mail(FEDORA_MONTH)

    assert report["messages"] == 292
    assert report["stored"] + report["duplicate"] + report["quarantined"] == 292
    assert report["failed"] == 0
    assert RawEmail.objects.count() + report["duplicate"] >= 292


# --------------------------------------------------------------------------- kill -9


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_midway_then_rerun_stores_every_message_once(tmp_path, mailbox):
    count = 400
    path = tmp_path / "big.mbox"
    path.write_bytes(mbox([mail(n, body=f"Message {n}.\n" * 40) for n in range(count)]))
    env = subprocess_env(LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "helpline.cli", "import-mail", str(path), "--quiet", "--json"]

    child = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while RawEmail.objects.count() < 60 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate()
    interrupted_at = RawEmail.objects.count()

    rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=True)
    report = json.loads(rerun.stdout.decode().strip().splitlines()[-1])

    assert 0 < interrupted_at < count, "the import was killed part-way"
    assert report["stored"] + report["duplicate"] + report["resumed"] == count
    ids = stored_ids()
    assert len(ids) == count
    assert sorted(ids) == sorted(f"q{n}@example.com" for n in range(count))
    assert RawEmail.objects.count() == count


def start_import(path, *extra, **popen) -> subprocess.Popen:
    env = subprocess_env(LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "helpline.cli", "import-mail", str(path), "--quiet", "--json"]
    return subprocess.Popen([*command, *extra], env=env, cwd=REPO, stdout=subprocess.PIPE, **popen)


def children_once_storing(parent: subprocess.Popen, stored: int = 60) -> list[psutil.Process]:
    """Wait until the import has stored some batches; return its child processes."""
    deadline = time.monotonic() + 120
    children: list[psutil.Process] = []
    while parent.poll() is None and time.monotonic() < deadline:
        children = children or psutil.Process(parent.pid).children(recursive=True)
        if children and RawEmail.objects.count() >= stored:
            break
        time.sleep(0.05)
    return children


def as_a_foreground_job() -> None:
    """Ctrl-C reaches a command typed at a terminal, even when the suite itself runs in the
    background (`make test` backgrounds one half, and a shell starts background jobs with
    SIGINT ignored, which their children inherit)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes that have not ended within a minute (a zombie has ended)."""
    deadline = time.monotonic() + 60
    while True:
        running = []
        for process in processes:
            try:
                if process.status() != psutil.STATUS_ZOMBIE:
                    running.append(process)
            except psutil.NoSuchProcess:
                pass
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


def rerun_report(path) -> dict:
    env = subprocess_env(LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "helpline.cli", "import-mail", str(path), "--quiet", "--json"]
    rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True, check=True)
    return json.loads(rerun.stdout.decode().strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_the_parsing_process_does_not_outlive_a_killed_import(tmp_path, mailbox):
    count = 400
    path = tmp_path / "big.mbox"
    path.write_bytes(mbox([mail(n, body=f"Message {n}.\n" * 40) for n in range(count)]))

    importing = start_import(path, "--jobs", "2")
    children = children_once_storing(importing)
    os.kill(importing.pid, signal.SIGKILL)
    importing.wait()  # not communicate(): a surviving child would hold stdout open
    importing.stdout.close()

    assert children, "the import parses in a child process"
    assert 0 < RawEmail.objects.count() < count, "the import was killed part-way"
    assert still_running(children) == []
    report = rerun_report(path)
    assert report["stored"] + report["duplicate"] + report["resumed"] == count
    assert sorted(stored_ids()) == sorted(f"q{n}@example.com" for n in range(count))


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
@pytest.mark.django_db(transaction=True)
def test_an_import_stopped_by_ctrl_c_or_sigterm_ends_its_child_and_resumes(tmp_path, mailbox, how):
    count = 400
    path = tmp_path / "big.mbox"
    path.write_bytes(mbox([mail(n, body=f"Message {n}.\n" * 40) for n in range(count)]))

    importing = start_import(
        path, "--jobs", "2", start_new_session=True, preexec_fn=as_a_foreground_job
    )
    children = children_once_storing(importing)
    if how == "ctrl-c":  # the terminal sends SIGINT to the whole foreground group
        os.killpg(importing.pid, signal.SIGINT)
    else:
        os.kill(importing.pid, signal.SIGTERM)
    importing.wait()
    importing.stdout.close()
    interrupted_at = RawEmail.objects.count()

    assert children, "the import parses in a child process"
    assert 0 < interrupted_at < count, "the import was stopped part-way"
    assert importing.returncode == 130
    assert still_running(children) == []
    report = rerun_report(path)
    assert report["stored"] + report["duplicate"] + report["resumed"] == count
    assert sorted(stored_ids()) == sorted(f"q{n}@example.com" for n in range(count))
    assert RawEmail.objects.count() == count


# --------------------------------------------------------------------------- parsing ahead


@pytest.mark.django_db
def test_a_checkpoint_waits_for_the_commit_of_the_batch_parsed_ahead(tmp_path, mailbox):
    importer = MailImporter(tmp_path, jobs=2)
    ahead = ParseAhead()
    batch = _Batch(importer, 2, ahead)
    saved: list[int] = []
    try:
        batch.add(mail(1), "1")
        batch.add(mail(2), "2")  # full: sent to the child, not stored yet
        batch.after_commit(lambda: saved.append(len(stored_ids())))
        the_first_is_in_flight = list(saved)
        batch.add(mail(3), "3")
        batch.add(mail(4), "4")  # sent; the first batch is stored meanwhile
        after_the_first = list(saved)
        batch.flush()
    finally:
        ahead.close()

    assert the_first_is_in_flight == []
    assert after_the_first == [2]
    assert saved == [2]
    assert len(stored_ids()) == 4


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.django_db
def test_mail_parsed_here_or_ahead_is_stored_and_quarantined_alike(tmp_path, mailbox, jobs):
    broken = b"this line is not a header\nand this is no email at all\n"
    path = tmp_path / "archive.mbox"
    path.write_bytes(mbox([mail(1), broken, mail(2), mail(3), mail(1), mail(4)]))
    with pytest.raises(UnparseableEmail) as parsing_here:
        parse_email(broken)

    report = import_mail(path, "--jobs", jobs, "--batch", 2)

    assert (report["stored"], report["duplicate"], report["quarantined"]) == (4, 1, 1)
    assert RawEmail.objects.get(status=RawStatus.QUARANTINED).reason == str(parsing_here.value)
    second = Message.objects.get(external_id="q2@example.com")
    assert (second.text, second.full_text) == (
        parse_email(mail(2)).new_text,
        parse_email(mail(2)).text,
    )


def test_parse_many_hands_back_what_parsing_raised():
    broken = b"garbage without headers\n"

    parsed = parse_many([mail(1), broken], max_bytes=None)

    assert isinstance(parsed[0], ParsedEmail) and parsed[0].message_id == "q1@example.com"
    assert isinstance(parsed[1], UnparseableEmail)


def test_the_test_helpers_write_what_python_mailbox_reads(tmp_path):
    """The mbox written by these tests is a real one: the standard library reads it too."""
    import mailbox as stdlib_mailbox

    path = tmp_path / "x.mbox"
    path.write_bytes(mbox([mail(1), mail(2)]))

    assert [m["Message-ID"] for m in stdlib_mailbox.mbox(path)] == [
        "<q1@example.com>",
        "<q2@example.com>",
    ]
