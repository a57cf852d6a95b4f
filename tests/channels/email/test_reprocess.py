"""`helpline quarantine` lists what could not be stored; `helpline reprocess` tries it again."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helpline.channels.email.ingest import ingest
from helpline.channels.email.models import RawEmail, RawStatus
from helpline.conversations.models import Message
from tests.conftest import raw_mail

pytestmark = pytest.mark.django_db


def mail(n=1, body="Hello " * 200) -> bytes:
    return raw_mail(
        subject=f"My order {n}",
        body=body,
        message_id=f"<order-{n}@customer.example>",
        date="Mon, 02 Nov 2026 10:00:00 +0000",
    )


def run(name, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def oversize(settings, mailbox):
    """Two messages quarantined for their size; the limit is then raised again."""
    settings.HELPLINE_MAX_EMAIL_BYTES = 500
    quarantined = [ingest(mail(n), source="pipe").raw for n in (1, 2)]
    assert all(raw.status == RawStatus.QUARANTINED for raw in quarantined)
    settings.HELPLINE_MAX_EMAIL_BYTES = 25 * 1024 * 1024
    return quarantined


def test_quarantine_lists_each_quarantined_message_with_size_and_reason(oversize):
    output = run("quarantine")

    first, second = oversize
    line = next(line for line in output.splitlines() if line.startswith(first.sha256[:12]))
    assert str(first.size) in line
    assert "pipe" in line
    assert first.reason.splitlines()[0] in line
    assert second.sha256[:12] in output
    assert "2 message(s)" in output


def test_quarantine_says_so_when_nothing_is_quarantined(mailbox):
    ingest(mail(), source="pipe")

    assert run("quarantine").strip() == "no quarantined mail"


def test_reprocess_stores_a_message_by_its_sha256_prefix_once_the_limit_is_raised(oversize):
    first, second = oversize

    output = run("reprocess", first.sha256[:10])

    message = Message.objects.get(direction="inbound")
    assert output.strip() == (
        f"{first.sha256[:12]} stored on conversation {message.conversation_id}"
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.message) == (RawStatus.STORED, message)
    assert second.status == RawStatus.QUARANTINED
    assert message.external_id == "order-1@customer.example"


def test_reprocess_all_stores_every_quarantined_message(oversize):
    output = run("reprocess", "--all")

    assert output.count(" stored on conversation ") == 2
    assert set(RawEmail.objects.values_list("status", flat=True)) == {RawStatus.STORED}
    assert run("quarantine").strip() == "no quarantined mail"


def test_a_message_quarantined_again_makes_reprocess_fail(oversize, settings):
    settings.HELPLINE_MAX_EMAIL_BYTES = 500
    out = StringIO()

    with pytest.raises(CommandError, match="2 of 2 still quarantined"):
        call_command("reprocess", "--all", stdout=out)

    assert out.getvalue().count("quarantined again: ") == 2
    assert not Message.objects.exists()


def test_reprocess_refuses_a_prefix_of_no_quarantined_message(oversize, mailbox):
    stored = ingest(mail(3), source="pipe").raw

    with pytest.raises(CommandError, match="no quarantined mail with a sha256 starting"):
        run("reprocess", stored.sha256[:12])


def test_reprocess_needs_all_or_a_prefix(oversize):
    with pytest.raises(CommandError, match="give --all or"):
        run("reprocess")
    with pytest.raises(CommandError, match="give --all or"):
        run("reprocess", "--all", oversize[0].sha256[:12])


def test_mail_whose_processing_never_finished_is_listed_and_reprocessed(mailbox):
    # What a crash between keeping the bytes and storing the message leaves behind.
    raw = mail(7)
    kept = RawEmail.objects.create(
        sha256="7" * 64, data=raw, size=len(raw), source="lmtp", mailbox=mailbox
    )
    assert run("quarantine").strip() == "no quarantined mail"  # it may be in progress
    RawEmail.objects.filter(pk=kept.pk).update(received_at=timezone.now() - timedelta(hours=1))

    assert "not processed" in run("quarantine")
    assert " stored on conversation " in run("reprocess", "7777")
    assert Message.objects.get(direction="inbound").external_id == "order-7@customer.example"
