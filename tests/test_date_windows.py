"""Dates a user or an integration gives lie within their window (helpline.core.windows).

A due time in 9800 used to make the location's calendar work out every year until then:
half a minute and 600 MB per request, the database locked meanwhile. Each entry point is
checked here with the real windows: refused with the field named, nothing stored.
"""

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from helpline.appointments.models import Appointment
from helpline.callbacks.models import Callback
from helpline.conversations.models import Message
from helpline.core.tokens import issue_token
from helpline.core.windows import CALL_AHEAD, CALL_BEHIND, DUE_AHEAD
from helpline.customers.actions import create_customer
from tests.api.conftest import ApiClient
from tests.appointments.conftest import maria_conversation, office_hours  # noqa: F401
from tests.channels.phone.conftest import NORTH_NUMBER, north_line  # noqa: F401
from tests.channels.phone.test_webhooks import (
    SITE,
    TWILIO_PATH,
    event,
    post_twilio,
    sign,
    status_callback,
    twilio_settings,  # noqa: F401
)
from tests.desk.conftest import write_in
from tests.desk.test_conversation_page import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.date_windows]


def api(user) -> ApiClient:
    return ApiClient(issue_token(user, "tests"))


def refused(response, field: str, status: int = 400) -> str:
    assert response.status_code == status, response.content
    (error,) = response.json()["detail"]
    assert error["field"] == field
    return error["message"]


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Callbacks -------------------------------------------------------------------------------


def test_the_api_refuses_a_callback_due_centuries_away(agent_north, north):
    olga = create_customer(None, name="Olga", location=north)
    body = {"customer_id": olga.pk, "phone_number": "+447700900123"}

    message = refused(
        api(agent_north).post("/callbacks", {**body, "due_at": "9800-01-01T10:00Z"}), "due_at"
    )
    assert "2 years from now" in message
    refused(api(agent_north).post("/callbacks", {**body, "due_at": "0100-01-01T10:00Z"}), "due_at")
    refused(api(agent_north).post("/callbacks", {**body, "due_at": "2026-01-01T10:00"}), "due_at")
    assert not Callback.objects.exists()

    soon = timezone.now() + DUE_AHEAD - timedelta(days=1)
    ok = api(agent_north).post("/callbacks", {**body, "due_at": iso(soon)})
    assert ok.status_code == 201, ok.content


def test_the_desk_shows_the_refusal_beside_the_call_back_form(agent_north, north):
    conversation = write_in(north, "maria@example.com", "Order 123", "Call me, please")
    response = client_for(agent_north).post(
        f"/conversations/{conversation.pk}/call-back/",
        {"phone_number": "+447700900123", "other_number": "", "due_at": "9800-01-01T10:00"},
    )
    assert response.status_code == 400
    assert "2 years from now" in response.content.decode()
    assert not Callback.objects.exists()


# Call events -----------------------------------------------------------------------------


def test_the_json_webhook_refuses_a_call_far_from_now(north_line, agent_north):  # noqa: F811
    far = api(agent_north).post("/calls/events", event(started_at="9900-06-01T10:00:00Z"))
    assert "2 days from now" in refused(far, "started_at")
    old = api(agent_north).post("/calls/events", event(started_at="1990-06-01T10:00:00Z"))
    assert "7 days ago" in refused(old, "started_at")
    assert not Message.objects.exists()

    skewed = timezone.now() + CALL_AHEAD - timedelta(hours=1)
    late = timezone.now() - CALL_BEHIND + timedelta(hours=1)
    for n, moment in enumerate((skewed, late)):
        sent = event(call_id=f"c-{n}", started_at=iso(moment))
        assert api(agent_north).post("/calls/events", sent).status_code == 201


def test_twilio_is_told_which_parameter_is_out_of_range(twilio_settings, north_line):  # noqa: F811
    far = timezone.now().replace(year=9900)
    params = status_callback(Timestamp=format_datetime(far))
    response = post_twilio(params, sign(params, SITE + TWILIO_PATH))
    refused(response, "Timestamp")
    assert not Message.objects.exists()


# Appointments ----------------------------------------------------------------------------


def test_an_appointment_years_ahead_is_refused(agent_north, maria_conversation):  # noqa: F811
    body = {
        "conversation_id": maria_conversation.pk,
        "kind": "in_store",
        "starts_at": "2150-01-07T10:00:00Z",
    }
    message = refused(api(agent_north).post("/appointments", body), "starts_at")
    assert "2 years from now" in message
    assert not Appointment.objects.exists()
