"""Twilio's <Dial> and <Record> action requests: whether a person took the call, and the
voicemail of one nobody took. Twilio counts a call its own TwiML answered as "completed",
so without these a missed call would pass for an answered one."""

import pytest

from helpline.callbacks.models import Callback, Reason
from helpline.conversations.models import Message
from helpline.core.models import Activity
from tests.channels.phone.test_webhooks import (
    SITE,
    TWILIO_PATH,
    as_user,
    event,
    only_error,
    post_twilio,
    sign,
    status_callback,
    twilio_settings,  # noqa: F401
)

pytestmark = pytest.mark.django_db

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
GREETING = "Sorry we missed you & thanks for calling: leave a message after the tone."


@pytest.fixture
def post(twilio_settings, north_line, django_capture_on_commit_callbacks):  # noqa: F811
    """Post a signed Twilio request about Maria's call to North Street; callbacks run."""

    def send(**fields):
        params = status_callback(**fields)
        with django_capture_on_commit_callbacks(execute=True):
            return post_twilio(params, sign(params, SITE + TWILIO_PATH))

    return send


def dial_action(**fields) -> dict:
    """What Twilio posts to a <Dial action> when the rung agents are done with the call."""
    return {"CallStatus": "in-progress", "Timestamp": "", **fields}


def record_action(**fields) -> dict:
    """What Twilio posts to a <Record action> when the caller has spoken (or hung up)."""
    return {
        "CallStatus": "completed",
        "Timestamp": "",
        "RecordingUrl": RECORDING,
        "RecordingDuration": "14",
        "Digits": "hangup",
        **fields,
    }


def twiml(response) -> str:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    return body


def the_call() -> Message:
    return Message.objects.get(external_id__startswith="twilio:")


def test_an_answered_dial_is_an_answered_call_and_the_call_ends(post):
    response = post(**dial_action(DialCallStatus="completed", DialCallDuration="65"))

    assert "<Hangup/></Response>" in twiml(response)
    call = the_call()
    assert (call.meta["outcome"], call.text) == ("answered", "Answered call, 1 min 5 s")
    assert not Callback.objects.exists()


def test_a_dial_nobody_took_is_missed_though_twilio_says_the_call_completed(post):
    post(**dial_action(DialCallStatus="no-answer"))
    # Then the call ends: its TwiML ran, so Twilio reports it completed, with a duration.
    after = post(CallStatus="completed", CallDuration="31")

    assert after.status_code == 200 and after.json()["created"] is False
    call = the_call()
    assert (call.meta["outcome"], call.text) == ("missed", "Missed call")
    assert Callback.objects.get().reason == Reason.MISSED_CALL


@pytest.mark.parametrize(
    ("dial_status", "outcome"),
    [("busy", "missed"), ("failed", "missed"), ("canceled", "abandoned")],
)
def test_what_else_a_dial_comes_to(post, dial_status, outcome):
    post(**dial_action(DialCallStatus=dial_status))

    assert the_call().meta["outcome"] == outcome
    assert Callback.objects.count() == 1


def test_without_a_greeting_a_caller_nobody_took_is_not_asked_for_a_message(post):
    response = post(**dial_action(DialCallStatus="no-answer"))

    body = twiml(response)
    assert "<Record" not in body and "<Hangup/>" in body


def test_with_a_greeting_the_caller_may_leave_a_voicemail_which_the_call_then_shows(post, settings):
    settings.HELPLINE_TWILIO_VOICEMAIL_GREETING = GREETING
    body = twiml(post(**dial_action(DialCallStatus="no-answer")))
    assert "<Say>Sorry we missed you &amp; thanks for calling:" in body
    assert f'<Record action="{SITE}{TWILIO_PATH}" maxLength="300" playBeep="true"/>' in body
    assert the_call().meta["outcome"] == "missed"

    # Twilio posts the recording to that action, signed for that URL.
    assert "<Hangup/>" in twiml(post(**record_action()))
    post(CallStatus="completed", CallDuration="48")  # and then the call's end

    call = the_call()
    assert call.meta["outcome"] == "voicemail"
    assert call.meta["recording_url"] == RECORDING
    assert call.text == f"Voicemail, 14 s ({RECORDING})"
    assert Activity.objects.filter(verb="call.voicemail_left").count() == 1
    # Still the one the missed call queued, now with a message to hear first.
    assert Callback.objects.get().reason == Reason.VOICEMAIL


def test_an_answered_call_takes_no_voicemail_and_no_greeting(post, settings):
    settings.HELPLINE_TWILIO_VOICEMAIL_GREETING = GREETING
    assert "<Say>" not in twiml(post(**dial_action(DialCallStatus="answered")))
    post(**record_action())

    assert the_call().meta["outcome"] == "answered"
    assert not Activity.objects.filter(verb="call.voicemail_left").exists()


def test_a_recording_without_a_dial_first_is_a_voicemail(post):
    # A number whose TwiML only says a greeting and records.
    assert "<Hangup/>" in twiml(post(**record_action(Digits="#")))
    post(CallStatus="completed", CallDuration="40")

    call = the_call()
    assert call.meta["outcome"] == "voicemail"
    assert Callback.objects.get().reason == Reason.VOICEMAIL


def test_hanging_up_at_the_beep_leaves_no_voicemail(post):
    post(**dial_action(DialCallStatus="no-answer"))
    post(**record_action(RecordingDuration="0"))

    call = the_call()
    assert (call.meta["outcome"], call.meta["recording_url"]) == ("missed", "")


def test_a_recording_status_callback_of_an_answered_call_is_no_voicemail(post):
    post(CallStatus="completed", CallDuration="120", RecordingUrl=RECORDING)

    assert the_call().meta["outcome"] == "answered"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (dial_action(DialCallStatus="exploded"), "DialCallStatus"),
        (dial_action(DialCallStatus="completed", DialCallDuration="-3"), "DialCallDuration"),
        (record_action(RecordingDuration="long"), "RecordingDuration"),
        (dial_action(DialCallStatus="completed", CallSid=""), "CallSid"),
    ],
)
def test_a_bad_action_request_names_the_parameter(post, fields, field):
    response = post(**fields)

    assert response.status_code == 400, response.content
    assert only_error(response)["field"] == field
    assert not Message.objects.exists()


def test_any_phone_system_may_report_the_voicemail_of_a_missed_call(north_line, agent_north):
    api = as_user(agent_north)
    assert api.post("/calls/events", event(outcome="missed")).status_code == 201
    later = api.post(
        "/calls/events", event(outcome="voicemail", duration_seconds=9, recording_url=RECORDING)
    )

    assert later.status_code == 200
    assert later.json()["message"]["text"] == f"Voicemail, 9 s ({RECORDING})"
    assert Message.objects.get().meta["outcome"] == "voicemail"
