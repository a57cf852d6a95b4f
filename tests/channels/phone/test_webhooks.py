"""The /api/calls webhooks: a JSON one for any phone system, and Twilio's status callback."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import Client

from helpline.channels.phone import twilio
from helpline.conversations.models import Message
from helpline.core.tokens import issue_token
from helpline.customers import actions as customer_actions
from tests.api.conftest import ApiClient
from tests.channels.phone.conftest import MARIA, NORTH_NUMBER, SOUTH_NUMBER

pytestmark = pytest.mark.django_db

TOKEN = "twilio-auth-token-for-tests"
SITE = "https://desk.example.com"
TWILIO_PATH = "/api/calls/twilio"


def as_user(user) -> ApiClient:
    return ApiClient(issue_token(user, "phone system"))


def event(**fields) -> dict:
    """Maria called North Street and nobody answered."""
    return {
        "provider": "pbx",
        "call_id": "c-100",
        "direction": "inbound",
        "from_number": "07700 900123",
        "to_number": NORTH_NUMBER,
        "outcome": "missed",
        "started_at": "2025-03-04T09:30:00Z",
        **fields,
    }


def only_error(response) -> dict:
    (error,) = response.json()["detail"]
    return error


# The JSON webhook -------------------------------------------------------------


def test_a_call_event_is_recorded_once(north_line, north, agent_north):
    maria = customer_actions.create_customer(
        None, name="Maria", location=north, identities=[("phone", MARIA)]
    )
    api = as_user(agent_north)

    first = api.post("/calls/events", event())
    again = api.post("/calls/events", event())

    assert first.status_code == 201, first.content
    body = first.json()
    assert body["created"] is True
    assert body["message"]["text"] == "Missed call"
    assert body["message"]["direction"] == "inbound"
    assert body["message"]["identity"]["value"] == MARIA
    assert body["message"]["external_id"] == "pbx:c-100"
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["message"]["id"] == body["message"]["id"]
    message = Message.objects.get()
    assert message.conversation.customer == maria
    assert message.created_at == datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def test_the_agent_on_the_call_is_found_by_email_or_username(north_line, agent_north):
    api = as_user(agent_north)

    by_email = api.post(
        "/calls/events",
        event(outcome="answered", duration_seconds=252, agent="NORA@shop.test"),
    )
    by_name = api.post(
        "/calls/events",
        event(
            call_id="c-101",
            direction="outbound",
            agent="nora",
            from_number=NORTH_NUMBER,
            to_number="07700 900123",
            outcome="answered",
            duration_seconds=30,
        ),
    )

    assert by_email.json()["message"]["text"] == "Answered call, 4 min 12 s, with Nora"
    assert by_email.json()["message"]["author"]["username"] == "nora"
    assert by_name.status_code == 201, by_name.content
    assert by_name.json()["message"]["direction"] == "outbound"
    assert by_name.json()["message"]["text"] == "Outgoing call, answered, 30 s, by Nora"


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"call_id": ""}, "call_id", 422),
        ({"outcome": "ringing"}, "outcome", 422),
        ({"direction": "sideways"}, "direction", 422),
        ({"started_at": "2025-03-04T09:30:00"}, "started_at", 422),  # no time zone
        ({"duration_seconds": -1}, "duration_seconds", 422),
        ({"recording_url": "javascript:alert(1)"}, "recording_url", 422),
        ({"to_number": None}, "to_number", 422),
        ({"agent": "nobody@shop.test"}, "agent", 400),
        ({"from_number": "not a number"}, "from_number", 400),
        (
            {"direction": "outbound", "from_number": NORTH_NUMBER, "to_number": "x"},
            "to_number",
            400,
        ),
    ],
)
def test_a_bad_payload_names_the_field(north_line, agent_north, change, field, status):
    response = as_user(agent_north).post("/calls/events", event(**change))

    assert response.status_code == status, response.content
    assert field in [error["field"] for error in response.json()["detail"]]
    assert not Message.objects.exists()


def test_a_missing_field_is_named(north_line, agent_north):
    payload = event()
    del payload["to_number"]
    response = as_user(agent_north).post("/calls/events", payload)

    assert response.status_code == 422
    assert only_error(response)["field"] == "to_number"


def test_an_agent_records_calls_only_on_the_lines_they_serve(
    north_line, south_line, agent_north, agent_south
):
    refused = as_user(agent_south).post("/calls/events", event())
    outbound = as_user(agent_south).post(
        "/calls/events",
        event(direction="outbound", from_number=NORTH_NUMBER, to_number=MARIA),
    )
    own = as_user(agent_south).post(
        "/calls/events", event(call_id="c-200", from_number="+491701234567", to_number=SOUTH_NUMBER)
    )

    assert refused.status_code == 400
    assert only_error(refused) == {
        "field": "to_number",
        "message": "no such phone line among those you serve",
    }
    assert outbound.status_code == 400 and only_error(outbound)["field"] == "from_number"
    assert own.status_code == 201, own.content
    assert Message.objects.get().conversation.location == south_line.location


def test_a_number_that_is_no_line_is_refused_to_agents_and_taken_from_admins(
    north_line, agent_north, admin
):
    # Without a line there is no country to read a national number in: this one is international.
    unknown = event(to_number="+441632960000", from_number=MARIA)

    refused = as_user(agent_north).post("/calls/events", unknown)
    taken = as_user(admin).post("/calls/events", unknown)

    assert refused.status_code == 400 and only_error(refused)["field"] == "to_number"
    assert taken.status_code == 201, taken.content
    assert Message.objects.get().conversation.location is None


def test_the_json_webhook_needs_a_token(north_line, agent_north):
    assert ApiClient().post("/calls/events", event()).status_code == 401
    assert ApiClient("hlp_not-a-token").post("/calls/events", event()).status_code == 401
    session = Client()
    session.force_login(agent_north)  # a webhook is a system's, not a signed-in agent's
    response = session.post("/api/calls/events", event(), content_type="application/json")
    assert response.status_code == 401
    assert not Message.objects.exists()


# Twilio ---------------------------------------------------------------------------


@pytest.fixture
def twilio_settings(settings):
    settings.HELPLINE_TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE + "/"  # a trailing slash is not doubled
    return settings


def status_callback(**fields) -> dict:
    """Twilio's callback when Maria's call to North Street was not answered."""
    return {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "CallSid": "CA0123456789abcdef0123456789abcdef",
        "From": MARIA,
        "To": NORTH_NUMBER,
        "CallStatus": "no-answer",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "Timestamp": "Tue, 04 Mar 2025 09:31:00 +0000",
        **fields,
    }


def sign(params: dict, url: str, token: str = TOKEN) -> str:
    """The documented algorithm, written out: URL, then each name and value by name."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def post_twilio(params: dict, signature: str | None = None, path: str = TWILIO_PATH, **client):
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    return Client(headers=headers, **client).post(
        path, urlencode(params), content_type="application/x-www-form-urlencoded"
    )


def test_the_signature_matches_a_known_answer():
    url = "https://desk.example.com/api/calls/twilio?line=north"
    params = {"To": "+442071838750", "CallSid": "CA42", "From": "+447700900123"}
    # By hand: the URL, then CallSid, From, To (sorted by name), each name then value.
    data = b"https://desk.example.com/api/calls/twilio?line=northCallSidCA42From+447700900123To+442071838750"
    expected = base64.b64encode(hmac.new(b"secret", data, hashlib.sha1).digest()).decode()

    query = QueryDict(mutable=True)
    query.update(params)
    assert twilio.signature("secret", url, query) == expected
    assert twilio.is_signed("secret", url, query, expected)
    assert not twilio.is_signed("secret", url, query, expected.lower())


def test_a_signed_status_callback_is_recorded_once(twilio_settings, north_line, north):
    params = status_callback()
    signature = sign(params, SITE + TWILIO_PATH)

    first = post_twilio(params, signature, enforce_csrf_checks=True)
    again = post_twilio(params, signature)

    assert first.status_code == 201, first.content
    assert again.status_code == 200 and again.json()["created"] is False
    message = Message.objects.get()
    assert message.external_id == "twilio:CA0123456789abcdef0123456789abcdef"
    assert message.text == "Missed call"
    assert message.identity.value == MARIA
    assert message.conversation.location == north
    assert message.created_at == datetime(2025, 3, 4, 9, 31, tzinfo=UTC)


def test_the_query_string_is_signed_too(twilio_settings, north_line):
    params = status_callback()
    path = TWILIO_PATH + "?source=main"

    assert post_twilio(params, sign(params, SITE + TWILIO_PATH), path).status_code == 403
    assert post_twilio(params, sign(params, SITE + path), path).status_code == 201


@pytest.mark.parametrize(
    "forged",
    [
        "wrong token",
        "missing header",
        "tampered param",
        "url the proxy saw",
        "empty signature",
    ],
)
def test_an_unsigned_callback_is_refused(twilio_settings, north_line, forged):
    params = status_callback()
    signature = sign(params, SITE + TWILIO_PATH)
    if forged == "wrong token":
        signature = sign(params, SITE + TWILIO_PATH, token="someone-elses-token")
    elif forged == "missing header":
        signature = None
    elif forged == "tampered param":
        params["From"] = "+447700900666"
    elif forged == "url the proxy saw":
        signature = sign(params, "http://testserver" + TWILIO_PATH)
    else:
        signature = ""

    response = post_twilio(params, signature)

    assert response.status_code == 403
    assert only_error(response)["message"] == "not signed by Twilio with this desk's auth token"
    assert not Message.objects.exists()


def test_without_an_auth_token_every_callback_is_refused(settings, north_line):
    settings.HELPLINE_TWILIO_AUTH_TOKEN = ""
    settings.SITE_URL = SITE
    params = status_callback()

    assert post_twilio(params, sign(params, SITE + TWILIO_PATH, token="")).status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("fields", "outcome", "text"),
    [
        (
            {"CallStatus": "completed", "CallDuration": "252"},
            "answered",
            "Answered call, 4 min 12 s",
        ),
        ({"CallStatus": "completed", "CallDuration": "0"}, "missed", "Missed call"),
        ({"CallStatus": "no-answer"}, "missed", "Missed call"),
        ({"CallStatus": "busy"}, "missed", "Missed call"),
        ({"CallStatus": "failed"}, "missed", "Missed call"),
        ({"CallStatus": "canceled"}, "abandoned", "Abandoned call"),
        (
            {"CallStatus": "no-answer", "RecordingUrl": "https://api.twilio.com/rec/RE1"},
            "voicemail",
            "Voicemail (https://api.twilio.com/rec/RE1)",
        ),
    ],
)
def test_call_statuses_become_outcomes(twilio_settings, north_line, fields, outcome, text):
    params = status_callback(**fields)

    response = post_twilio(params, sign(params, SITE + TWILIO_PATH))

    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert (message.meta["outcome"], message.text) == (outcome, text)
    assert message.meta["provider"] == "twilio"


@pytest.mark.parametrize("status", ["queued", "initiated", "ringing", "in-progress"])
def test_a_call_not_over_yet_is_acknowledged_and_not_recorded(twilio_settings, north_line, status):
    params = status_callback(CallStatus=status)

    response = post_twilio(params, sign(params, SITE + TWILIO_PATH))

    assert response.status_code == 204
    assert not Message.objects.exists()


def test_an_outbound_call_through_twilio(twilio_settings, north_line):
    params = status_callback(
        From=NORTH_NUMBER,
        To="07700 900123",
        Direction="outbound-api",
        CallStatus="completed",
        CallDuration="61",
    )

    response = post_twilio(params, sign(params, SITE + TWILIO_PATH))

    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert message.direction == "outbound"
    assert message.text == "Outgoing call, answered, 1 min 1 s"
    assert message.conversation.customer.identities.get().value == MARIA


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"CallStatus": "exploded"}, "CallStatus"),
        ({"Direction": "sideways"}, "Direction"),
        ({"CallStatus": "completed", "CallDuration": "ages"}, "CallDuration"),
        ({"Timestamp": "yesterday"}, "Timestamp"),
        ({"CallSid": ""}, "CallSid"),
        ({"Direction": "outbound-api", "From": NORTH_NUMBER, "To": "anonymous"}, "To"),
    ],
)
def test_a_bad_signed_callback_names_the_parameter(twilio_settings, north_line, fields, field):
    params = status_callback(**fields)

    response = post_twilio(params, sign(params, SITE + TWILIO_PATH))

    assert response.status_code == 400, response.content
    assert only_error(response)["field"] == field
    assert not Message.objects.exists()


def test_a_call_costs_a_bounded_number_of_queries(
    north_line, north, agent_north, django_assert_max_num_queries
):
    for index in range(5):  # earlier calls of other customers change nothing
        as_user(agent_north).post(
            "/calls/events", event(call_id=f"c-{index}", from_number=f"07700 90012{index}")
        )
    api = as_user(agent_north)
    # The missed call's callback is queued in the call's own transaction (a call stored
    # without it would be forgotten): a few of these queries are the worklist's.
    with django_assert_max_num_queries(33):
        assert api.post("/calls/events", event(call_id="c-new")).status_code == 201
    with django_assert_max_num_queries(8):  # a repeat only finds what it stored
        assert api.post("/calls/events", event(call_id="c-new")).status_code == 200
