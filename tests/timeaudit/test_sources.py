"""Each source of time makes the right entries, exactly once: calls and visits, attended
appointments, the time spent writing a reply, the quick log, and a calendar import."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helpline.appointments import actions as appointment_actions
from helpline.channels.phone.calls import CallEvent, record_call
from helpline.channels.phone.models import PhoneLine
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Message
from helpline.core.errors import ActionError
from helpline.core.events import deliver_due
from helpline.timeaudit import actions
from helpline.timeaudit.models import Source, TimeEntry
from tests.desk.conftest import write_in
from tests.timeaudit.conftest import deliver_again

pytestmark = pytest.mark.django_db

NORTH_NUMBER = "+442071838750"
MARIA = "+447700900123"


@pytest.fixture
def line(north):
    return PhoneLine.objects.create(number=NORTH_NUMBER, location=north)


def _call(agent, call_id, direction="inbound", outcome="answered", seconds=300):
    ours, theirs = NORTH_NUMBER, MARIA
    return record_call(
        CallEvent(
            provider="pbx",
            call_id=call_id,
            direction=direction,
            from_number=theirs if direction == "inbound" else ours,
            to_number=ours if direction == "inbound" else theirs,
            outcome=outcome,
            started_at=timezone.now() - timedelta(minutes=30),
            duration_seconds=seconds,
            agent=agent,
        )
    ).message


def test_calls_from_the_phone_system_make_one_entry_each(line, agent_north):
    taken = _call(agent_north, "in-1", seconds=300)
    made = _call(agent_north, "out-1", direction="outbound", seconds=125)
    _call(agent_north, "in-2", outcome="missed", seconds=0)  # nobody talked: no time
    _call(agent_north, "in-3", outcome="voicemail", seconds=40)  # a machine listened
    deliver_due()
    entries = {e.source_key: e for e in TimeEntry.objects.all()}
    assert set(entries) == {f"message:{taken.pk}", f"message:{made.pk}"}
    assert entries[f"message:{taken.pk}"].seconds == 300
    assert entries[f"message:{made.pk}"].seconds == 125
    assert {e.kind for e in entries.values()} == {"call"}
    assert {e.agent_id for e in entries.values()} == {agent_north.pk}
    assert entries[f"message:{taken.pk}"].started_at == taken.created_at
    assert entries[f"message:{taken.pk}"].source == Source.AUTOMATIC
    # The same call again from the phone system, and every event delivered twice.
    _call(agent_north, "in-1", seconds=300)
    assert deliver_again() >= 2
    assert TimeEntry.objects.count() == 2


def test_a_visit_logged_with_its_length_counts_once(north, agent_north):
    conversation = write_in(north, "otto@example.com", "Hi")
    message = conversation_actions.log_contact(
        agent_north,
        conversation,
        channel="walk_in",
        text="Came for the kettle",
        direction="inbound",
        talked_minutes=25,
    )
    without = conversation_actions.log_contact(
        agent_north, conversation, channel="phone", text="Quick call", direction="outbound"
    )
    deliver_due()
    deliver_again()
    entry = TimeEntry.objects.get()
    assert (entry.kind, entry.seconds, entry.agent_id) == ("visit", 25 * 60, agent_north.pk)
    assert entry.conversation_id == message.conversation_id
    assert not TimeEntry.objects.filter(source_key=f"message:{without.pk}").exists()


def test_a_call_length_out_of_range_is_refused_naming_the_field(north, agent_north):
    conversation = write_in(north, "otto@example.com", "Hi")
    with pytest.raises(ActionError) as refused:
        conversation_actions.log_contact(
            agent_north,
            conversation,
            channel="phone",
            text="Call",
            direction="inbound",
            talked_minutes=0,
        )
    assert refused.value.field == "talked_minutes"


def test_the_desk_logs_a_call_with_its_length(north, agent_north):
    conversation = write_in(north, "otto@example.com", "Hi")
    client = Client()
    client.force_login(agent_north)
    url = f"/conversations/{conversation.pk}/log-contact/"
    refused = client.post(
        url, {"channel": "phone", "direction": "inbound", "text": "x", "talked_minutes": "ten"}
    )
    assert refused.status_code == 400
    assert "how long it took" in refused.content.decode()
    client.post(
        url, {"channel": "phone", "direction": "inbound", "text": "x", "talked_minutes": "12"}
    )
    deliver_due()
    assert TimeEntry.objects.get().seconds == 12 * 60


def test_an_attended_appointment_is_its_slot_once(north, agent_north, customer, settings):
    starts = timezone.now() + timedelta(days=1)
    appointment = appointment_actions.book(
        agent_north, customer, "in_store", starts, location=north, agent=agent_north
    )
    missed = appointment_actions.book(
        agent_north, customer, "in_store", starts + timedelta(hours=2), location=north
    )
    appointment_actions.record_outcome(agent_north, appointment, "attended")
    appointment_actions.cancel(agent_north, missed, "")
    deliver_due()
    deliver_again()
    entry = TimeEntry.objects.get()
    assert entry.kind == "appointment"
    assert entry.source_key == f"appointment:{appointment.pk}"
    assert entry.seconds == int((appointment.ends_at - appointment.starts_at).total_seconds())
    assert entry.seconds == settings.HELPLINE_APPOINTMENT_MINUTES * 60
    assert entry.started_at == appointment.starts_at


@pytest.mark.parametrize(
    ("sent", "counted"),
    [("95", 95), ("-20", None), ("0", None), ("ninety", None), ("", None), ("99999", 3600)],
)
def test_the_time_spent_writing_a_reply_through_the_reply_view(
    north, agent_north, mailbox, sent, counted
):
    conversation = write_in(north, "maria@example.com", "Kettle", mailbox=mailbox)
    client = Client()
    client.force_login(agent_north)
    response = client.post(
        f"/conversations/{conversation.pk}/reply/",
        {"text": "On its way", "composing_seconds": sent},
    )
    assert response.status_code == 302
    reply = Message.objects.get(conversation=conversation, direction="outbound")
    entries = list(TimeEntry.objects.all())
    if counted is None:
        assert entries == []
        return
    (entry,) = entries
    assert (entry.kind, entry.seconds, entry.agent_id) == ("reply", counted, agent_north.pk)
    assert entry.source_key == f"reply:{reply.pk}"
    assert entry.conversation_id == conversation.pk
    assert entry.started_at == reply.created_at - timedelta(seconds=counted)
    actions.record_composing(agent_north, reply, "95")  # the same reply again: nothing new
    assert TimeEntry.objects.count() == 1


def test_a_refused_reply_keeps_the_time_spent_for_the_next_try(north, agent_north, mailbox):
    conversation = write_in(north, "maria@example.com", "Kettle", mailbox=mailbox)
    client = Client()
    client.force_login(agent_north)
    refused = client.post(
        f"/conversations/{conversation.pk}/reply/", {"text": "", "composing_seconds": "70"}
    )
    assert refused.status_code == 400
    assert 'name="composing_seconds" id="reply-composing-seconds" value="70"' in (
        refused.content.decode()
    )
    assert not TimeEntry.objects.exists()


def test_the_quick_log_names_the_field_it_refuses(agent_north):
    client = Client()
    client.force_login(agent_north)
    for data, field in [
        ({"kind": "meeting", "minutes": "abc"}, "minutes"),
        ({"kind": "meeting", "minutes": "0"}, "minutes"),
        ({"kind": "meeting", "minutes": "721"}, "minutes"),
        ({"kind": "call", "minutes": "10"}, "kind"),  # Helpline records calls itself
        ({"kind": "meeting", "minutes": "10", "started_at": "2001-01-01T10:00"}, "started_at"),
    ]:
        response = client.post("/time/log/", data)
        assert response.status_code == 400, data
        assert f'id="id_{field}_error"' in response.content.decode(), data
    assert not TimeEntry.objects.exists()
    response = client.post(
        "/time/log/", {"kind": "stock", "minutes": "45", "note": "Delivery from the depot"}
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.kind, entry.seconds, entry.source) == ("stock", 45 * 60, Source.MANUAL)
    assert entry.note == "Delivery from the depot"
    page = client.get(response.url).content.decode()
    assert "Delivery from the depot" in page


def test_an_agent_removes_what_they_logged_but_not_what_helpline_recorded(agent_north):
    logged = actions.log_time(agent_north, kind="admin", minutes=10)
    recorded = actions.record_automatic(
        agent_north.pk,
        kind="call",
        source_key="message:1",
        started_at=timezone.now(),
        seconds=60,
    )
    client = Client()
    client.force_login(agent_north)
    client.post(f"/time/entries/{logged.pk}/remove/")
    client.post(f"/time/entries/{recorded.pk}/remove/")
    assert list(TimeEntry.objects.values_list("pk", flat=True)) == [recorded.pk]


# The calendar ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # a Friday


def ics(*events: str) -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events])
    return (body + "\r\nEND:VCALENDAR\r\n").encode()


def event(uid: str, summary: str, start: str, end: str, *extra: str) -> str:
    return "\r\n".join(
        ["BEGIN:VEVENT", f"UID:{uid}", f"SUMMARY:{summary}", start, end, *extra, "END:VEVENT"]
    )


STANDUP = event(
    "standup@test",
    "Stand-up",
    "DTSTART;TZID=Europe/London:20261102T093000",
    "DTEND;TZID=Europe/London:20261102T094500",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "EXDATE;TZID=Europe/London:20261104T093000",
)
MOVED = "\r\n".join(
    [
        "BEGIN:VEVENT",
        "UID:standup@test",
        "RECURRENCE-ID;TZID=Europe/London:20261106T093000",
        "SUMMARY:Stand-up",
        "DTSTART;TZID=Europe/London:20261106T110000",
        "DTEND;TZID=Europe/London:20261106T113000",
        "END:VEVENT",
    ]
)
REVIEW = event("review@test", "Stock review", "DTSTART:20261124T130000Z", "DTEND:20261124T150000Z")
FLOATING = event("float@test", "Team lunch", "DTSTART:20261125T120000", "DTEND:20261125T130000")
ALL_DAY = event("day@test", "Holiday", "DTSTART;VALUE=DATE:20261126", "DTEND;VALUE=DATE:20261127")
FUTURE = event("next@test", "Next week", "DTSTART:20261201T100000Z", "DTEND:20261201T110000Z")
FREE = event(
    "free@test", "Focus", "DTSTART:20261124T080000Z", "DTEND:20261124T090000Z", "TRANSP:TRANSPARENT"
)


def test_a_calendar_becomes_meetings_once(agent_north):
    agent_north.time_zone = "Europe/London"
    agent_north.save()
    data = ics(STANDUP, MOVED, REVIEW, FLOATING, ALL_DAY, FUTURE, FREE)
    result = actions.import_calendar(agent_north, data, now=NOW)
    assert result.problems == []
    entries = list(TimeEntry.objects.order_by("started_at"))
    standups = [e for e in entries if e.title == "Stand-up"]
    # Mondays, Wednesdays and Fridays from 2 Nov to 27 Nov 09:30 (London): 12, less the
    # excluded 4 Nov; 6 Nov moved to 11:00 and half an hour long.
    assert len(standups) == 11
    moved = next(e for e in standups if e.started_at.date() == datetime(2026, 11, 6).date())
    assert (moved.started_at.hour, moved.seconds) == (11, 1800)
    assert {e.seconds for e in standups if e is not moved} == {900}
    review = next(e for e in entries if e.title == "Stock review")
    assert (review.seconds, review.kind, review.source) == (7200, "meeting", Source.CALENDAR)
    lunch = next(e for e in entries if e.title == "Team lunch")
    assert lunch.started_at == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # London in winter
    assert {e.title for e in entries} == {"Stand-up", "Stock review", "Team lunch"}
    assert result.created == 13
    assert any("all-day" in line for line in result.skipped)
    assert any("still to come" in line for line in result.skipped)
    assert any("free" in line for line in result.skipped)

    again = actions.import_calendar(agent_north, data, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 13)
    assert TimeEntry.objects.count() == 13

    longer = REVIEW.replace("DTEND:20261124T150000Z", "DTEND:20261124T153000Z")
    changed = actions.import_calendar(agent_north, ics(longer), now=NOW)
    assert (changed.created, changed.updated) == (0, 1)
    assert TimeEntry.objects.get(title="Stock review").seconds == 9000


def test_a_floating_repeating_meeting_with_an_until_is_on_the_agents_clock(agent_north):
    agent_north.time_zone = "Europe/Berlin"
    agent_north.save()
    weekly = event(
        "weekly@test",
        "Shift handover",
        "DTSTART:20261102T170000",
        "DTEND:20261102T171500",
        "RRULE:FREQ=WEEKLY;UNTIL=20261117T000000",
    )
    result = actions.import_calendar(agent_north, ics(weekly), now=NOW)
    assert result.problems == []
    starts = [e.started_at for e in TimeEntry.objects.order_by("started_at")]
    assert starts == [datetime(2026, 11, d, 16, 0, tzinfo=UTC) for d in (2, 9, 16)]


def test_a_bad_event_is_named_with_its_line_and_the_others_imported(agent_north):
    no_end = event("open@test", "Open end", "DTSTART:20261124T100000Z", "X-NOTHING:1")
    backwards = event(
        "back@test", "Backwards", "DTSTART:20261124T100000Z", "DTEND:20261124T090000Z"
    )
    result = actions.import_calendar(agent_north, ics(REVIEW, no_end, backwards), now=NOW)
    assert result.created == 1
    assert result.problems == [
        '"Open end" (line 10): it has no end (DTEND or DURATION)',
        '"Backwards" (line 16): it ends before it starts',
    ]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"hello", "line 1: an iCalendar file begins with BEGIN:VCALENDAR"),
        (b"", "the file is empty"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nthis is no line\r\nEND:VCALENDAR\r\n", "line 3:"),
        (b"BEGIN:VCALENDAR\r\nSUMMARY:caf\xe9\r\nEND:VCALENDAR\r\n", "line 2: not UTF-8"),
    ],
)
def test_a_file_that_is_no_calendar_is_refused_naming_the_line(agent_north, data, says):
    with pytest.raises(ActionError) as refused:
        actions.import_calendar(agent_north, data, now=NOW)
    assert says in str(refused.value)
    assert refused.value.field == "file"


def test_the_desk_imports_a_calendar_and_names_what_it_left_out(agent_north):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(agent_north)
    start = (timezone.now() - timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    end = (timezone.now() - timedelta(days=1) + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%SZ")
    good = event("w@test", "Weekly admin", f"DTSTART:{start}", f"DTEND:{end}")
    bad = event("b@test", "Broken", f"DTSTART:{start}", "X-A:1")
    upload = SimpleUploadedFile("me.ics", ics(good, bad), "text/calendar")
    response = client.post("/time/import/", {"calendar": upload}, follow=True)
    page = response.content.decode()
    assert "1 new meetings" in page
    assert "Not imported: “Broken”" in page or "Not imported: &quot;Broken&quot;" in page
    assert TimeEntry.objects.get().seconds == 45 * 60
    refused = client.post(
        "/time/import/", {"calendar": SimpleUploadedFile("x.ics", b"nope", "text/calendar")}
    )
    assert refused.status_code == 400
    assert 'id="id_calendar_error"' in refused.content.decode()
    assert "line 1" in refused.content.decode()
