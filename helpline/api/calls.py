"""/api/calls: phone systems report calls here; each is recorded by channels.phone.calls.

POST /api/calls/events takes a provider-neutral JSON body with an agent's or admin's
Bearer token. The token's user must serve the location of our number on the call (a
PhoneLine); any other number, one of another location's lines or none of ours, is a
400 naming the field, like every id in a body that names nothing you serve. Only an
admin may record a call on a number that is no PhoneLine: it lands on no location.

POST /api/calls/twilio takes Twilio's voice status callback, and its <Dial> and <Record>
action requests, form-encoded and signed with HELPLINE_TWILIO_AUTH_TOKEN (see
channels.phone.twilio); no user is involved, and a missing or wrong signature, or no
token configured, is a 403.

Both answer 201 with the recorded message, or 200 with the stored one when the call
was recorded before (the first final status of a call is the one kept); except that an
action request is answered with the TwiML that goes on with the call: a caller nobody
answered hears HELPLINE_TWILIO_VOICEMAIL_GREETING and may leave a voicemail, which
comes back here as a <Record action>; every other call ends.
"""

from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AwareDatetime

from helpline.api.auth import TokenAuth
from helpline.api.errors import FieldError
from helpline.api.schemas import NO_NUL, ErrorOut, MessageOut
from helpline.channels.phone import twilio
from helpline.channels.phone.calls import (
    ANSWERED,
    OUR_NUMBER,
    OUTCOMES,
    CallEvent,
    line_for,
    record_call,
)
from helpline.conversations.models import Message
from helpline.conversations.receive import Received
from helpline.core.errors import ActionError
from helpline.core.models import User

router = Router(tags=["calls"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
TWILIO_FIELDS = {"from_number": "From", "to_number": "To", "started_at": "Timestamp"}
VOICEMAIL_SECONDS = 300


class CallEventIn(Schema):
    provider: str = Field(
        "api", min_length=1, max_length=32, pattern=r"^[a-z0-9_.\-]+$", description="Your system"
    )
    call_id: str = Field(
        ..., min_length=1, max_length=200, pattern=NO_NUL, description="Its id of the call"
    )
    direction: Literal["inbound", "outbound"] = Field(
        ..., description="inbound: the customer called us; outbound: we called them"
    )
    from_number: str = Field(
        "", max_length=64, pattern=NO_NUL, description='Empty or "anonymous" when withheld'
    )
    to_number: str = Field(..., min_length=1, max_length=64, pattern=NO_NUL)
    outcome: Literal[OUTCOMES] = Field(
        ..., description="Only final statuses: send none while the call is ringing or going on"
    )
    started_at: AwareDatetime | None = Field(
        None, description="ISO 8601 with a time zone; now when not given"
    )
    duration_seconds: int = Field(0, ge=0, le=twilio.MAX_SECONDS)
    recording_url: str = Field("", max_length=2000, pattern=r"^(https?://\S+)?$")
    agent: str | None = Field(
        None, max_length=254, pattern=NO_NUL, description="Email or username of the agent"
    )
    customer_name: str = Field("", max_length=200, pattern=NO_NUL)


class CallRecordedOut(Schema):
    created: bool = Field(..., description="false: this call was recorded before")
    conversation_id: int
    message: MessageOut


@router.post(
    "/calls/events",
    auth=TokenAuth(),
    response={200: CallRecordedOut, 201: CallRecordedOut, **ERRORS},
)
def record_call_event(request, payload: CallEventIn):
    event = CallEvent(
        provider=payload.provider,
        call_id=payload.call_id.strip(),
        direction=payload.direction,
        from_number=payload.from_number,
        to_number=payload.to_number,
        outcome=payload.outcome,
        started_at=payload.started_at,
        duration_seconds=payload.duration_seconds,
        recording_url=payload.recording_url,
        agent=_agent(payload.agent),
        customer_name=payload.customer_name.strip(),
    )
    _check_line(request.auth, event)
    return _answer(record_call(event))


@router.post(
    "/calls/twilio",
    auth=None,
    response={204: None, 200: CallRecordedOut, 201: CallRecordedOut, **ERRORS},
    description=(
        "Twilio's voice status callback (form-encoded), signed with X-Twilio-Signature. "
        "Set the status callback URL to SITE_URL + /api/calls/twilio. Statuses before "
        "the final one are answered 204 and not recorded. Twilio counts a call its TwiML "
        "answered as completed: to tell missed calls, also set the action of the <Dial> "
        "that rings your agents to this URL. Action requests (DialCallStatus, or a "
        "<Record> action's RecordingUrl) are answered with TwiML (text/xml)."
    ),
)
def twilio_call_status(request):
    token = settings.HELPLINE_TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    if not twilio.is_signed(token, url, request.POST, given):
        raise HttpError(403, "not signed by Twilio with this desk's auth token")
    try:
        event = twilio.event_from(request.POST)
        if event is None:
            return HttpResponse(status=204)
        received = record_call(event)
    except ActionError as exc:
        raise FieldError(TWILIO_FIELDS.get(exc.field, exc.field or None), str(exc)) from None
    if twilio.is_action(request.POST):
        return _twiml(_then(request, event))
    return _answer(received)


def _then(request, event: CallEvent) -> str:
    """The TwiML verbs after a <Dial> or a <Record> that reported this call."""
    greeting = settings.HELPLINE_TWILIO_VOICEMAIL_GREETING.strip()
    if twilio.is_dial_action(request.POST) and event.outcome != ANSWERED and greeting:
        # Twilio hangs up on its own if the caller already has.
        action = quoteattr(settings.SITE_URL.rstrip("/") + request.path)
        return (
            f"<Say>{escape(greeting)}</Say>"
            f'<Record action={action} maxLength="{VOICEMAIL_SECONDS}" playBeep="true"/>'
        )
    return "<Hangup/>"


def _twiml(verbs: str) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{verbs}</Response>'
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _agent(given: str | None) -> User | None:
    if given is None or not given.strip():
        return None
    given = given.strip()
    matches = User.objects.filter(is_active=True).filter(Q(username=given) | Q(email__iexact=given))
    # A username is exact; an email address might be two agents' (Django does not forbid it).
    found = sorted(matches[:3], key=lambda user: user.username != given)
    if not found or (len(found) > 1 and found[0].username != given):
        raise FieldError("agent", "no such agent, or more than one with that email address")
    return found[0]


def _check_line(user: User, event: CallEvent) -> None:
    if user.sees_everything:
        return
    line = line_for(event.our_number)
    if line is None or line.location_id not in user.location_ids():
        raise FieldError(OUR_NUMBER[event.direction], "no such phone line among those you serve")


def _answer(received: Received):
    message = (
        Message.objects.select_related("author", "identity")
        .prefetch_related("attachments")
        .get(pk=received.message.pk)
    )
    body = {
        "created": received.created,
        "conversation_id": message.conversation_id,
        "message": message,
    }
    return Status(201, body) if received.created else body
