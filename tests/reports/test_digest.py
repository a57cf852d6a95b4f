"""The managers' weekly digest: at a real SMTP server (aiosmtpd), as staff mail with text and
HTML alternatives, their locations' figures only, once a week however often the task runs,
on Monday morning in their own zone; they can switch it off, and an admin who serves no
location gets the whole desk's only by switching it on."""

import email
import io
from datetime import datetime, time, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from helpline.core import staff_mail
from helpline.core.models import Activity, StaffEmail
from helpline.reports import actions, digest
from helpline.reports.models import ConversationFact, Digest

pytestmark = pytest.mark.django_db

SITE = "https://help.shop.test"


def _parts(envelope) -> tuple[str, str, str]:
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return str(message["Subject"]).strip(), text, html


def _last_week(now):
    monday = digest.due_week(digest.recipients().first(), now)
    return monday - timedelta(days=7), monday - timedelta(days=1)


def test_the_digest_arrives_once_with_the_managers_locations_only(
    history, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = SITE
    now = timezone.now()
    # Only Mona (North Street's manager) gets one: Ada the admin serves no location.
    assert list(digest.recipients()) == [history.manager]
    start, end = _last_week(now)
    week = ConversationFact.objects.filter(opened_day__gte=start, opened_day__lte=end)
    north = week.filter(location=history.north).count()
    assert 0 < north < week.count()  # South Mall had conversations too: they must not count

    with django_capture_on_commit_callbacks() as enqueued:
        assert actions.send_digests(now) == {"queued": 1}
    assert len(enqueued) == 1  # its staff mail's task, after commit
    row = Digest.objects.select_related("email").get()
    assert row.user == history.manager and row.status == "pending"
    assert row.email.to == "mona@shop.test" and row.email.html.startswith("<")
    assert staff_mail.deliver_due() == 1  # the staff mail's sweep sends it (as its task would)
    (envelope,) = smtp_server.wait_for(1)
    assert envelope.rcpt_tos == ["mona@shop.test"]
    subject, text, html = _parts(envelope)
    assert subject.startswith(f"Your week at North Street: {north:,} new conversations")
    for body in (text, html):
        assert "North Street" in body and "South Mall" not in body
        assert f"{SITE}/reports/volume/?start={start.isoformat()}&" in body.replace("&amp;", "&")
        assert f"{SITE}/reports/candor/?location={history.north.pk}" in body
        assert f"{SITE}/me/" in body
    assert f"New conversations: {north:,} (week before: " in text
    assert "First response, business time, median: " in text
    assert "Customers rating us 4 or 5" in text and "Callbacks that reached the customer" in text
    assert "First response within the service level target" in text
    assert "North Street, " in text and "people answered" in text  # the perception gap

    # The task runs every hour: the week's digest is queued and sent once.
    assert actions.send_digests(now) == {"queued": 0}
    sunday_night = datetime.combine(end + timedelta(days=7), time(23), ZoneInfo("Europe/London"))
    assert actions.send_digests(sunday_night) == {"queued": 0}
    # Queued again by a racing worker (past the check): the row stops it, with no mail left.
    content = digest.compose(history.manager, row.week_start)
    assert actions.queue_digest(content) == (row, False)
    assert staff_mail.deliver_due() == 0
    assert len(smtp_server.messages) == 1
    assert StaffEmail.objects.count() == 1
    row.refresh_from_db()
    assert row.status == "sent" and str(row).endswith("(sent)")
    assert Activity.objects.filter(verb="digest.queued", subject_id=row.pk).count() == 1


def test_a_manager_switches_it_off_and_an_admin_without_locations_on(history, smtp_server):
    mona = Client()
    mona.force_login(history.manager)
    page = mona.get("/me/").content.decode()
    assert 'id="my-digest"' in page and "Switch the digest off" in page
    assert mona.post("/me/digest/", {"wanted": "0"}).status_code == 302
    assert "Switch the digest on" in mona.get("/me/").content.decode()
    assert mona.post("/me/digest/", {"wanted": "maybe"}).status_code == 400

    ada = Client()
    ada.force_login(history.admin)
    assert "switched on, you get the whole desk" in ada.get("/me/").content.decode()
    ada.post("/me/digest/", {"wanted": "1"})
    nora = Client()
    nora.force_login(history.nora)
    assert 'id="my-digest"' not in nora.get("/me/").content.decode()  # agents get none

    assert list(digest.recipients()) == [history.admin]
    out = io.StringIO()
    call_command("send_digests", stdout=out)  # `helpline send-digests`, by hand
    assert out.getvalue() == "Queued 1 digests; the worker sends them as staff mail.\n"
    assert staff_mail.deliver_due() == 1
    (envelope,) = smtp_server.wait_for(1)
    assert envelope.rcpt_tos == ["ada@shop.test"]
    subject, text, _ = _parts(envelope)
    assert subject.startswith("Your week at the whole desk:")
    assert Activity.objects.filter(verb="digest.chosen").count() == 2


def test_it_waits_for_monday_morning_in_their_own_zone(history, settings):
    settings.HELPLINE_DIGEST_HOUR = 7
    london = ZoneInfo("Europe/London")  # North Street's, so Mona's
    monday = datetime(2026, 11, 30, 6, 59, tzinfo=london)
    assert digest.due_week(history.manager, monday) is None
    assert digest.due_week(history.manager, monday.replace(hour=7)) == monday.date()
    sunday = datetime(2026, 12, 6, 23, 0, tzinfo=london)
    assert digest.due_week(history.manager, sunday) == monday.date()
    # Her own zone, when she chose one: 07:00 in Tokyo is still Sunday in London.
    history.manager.time_zone = "Asia/Tokyo"
    tokyo = datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert digest.due_week(history.manager, tokyo) == monday.date()
    assert digest.due_week(history.manager, tokyo.astimezone(london)) == monday.date()


def test_beat_runs_the_digest_task_every_hour(settings):
    from helpline.reports import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["weekly-digests"]
    assert entry["task"] == tasks.send_digests.name and entry["schedule"] == 3600.0
