"""A call, as a phone system reports it, recorded as a message on the customer's timeline.

Only a call's final status is recorded (answered, missed, voicemail, abandoned): the
webhooks acknowledge and drop the ones before it (queued, ringing, in progress). The
first final status of a call is the one kept: the message's external_id is
"<provider>:<call id>", so a repeated or later event for the same call changes nothing
and gives back the stored message.

An inbound call is a message from the customer, received through `receive` like every
channel's; an outbound one is logged as our response (conversations.actions.log_contact).
Either continues the customer's phone conversation at that line's location while it is
still open (new, open or pending), and starts a new one otherwise.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from helpline.channels.phone.models import PhoneLine
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import CallOutcome, Channel, Direction, Message
from helpline.conversations.receive import Inbound, Received, receive
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.models import Location, User
from helpline.core.windows import check_call_start
from helpline.customers.identities import InvalidIdentity, normalise_phone
from helpline.customers.models import IdentityKind

ANSWERED, MISSED = CallOutcome.ANSWERED, CallOutcome.MISSED
VOICEMAIL, ABANDONED = CallOutcome.VOICEMAIL, CallOutcome.ABANDONED
OUTCOMES = tuple(CallOutcome.values)
# Calls nobody took: someone may have to call back (the `call.untaken` event).
UNTAKEN = (MISSED, VOICEMAIL, ABANDONED)
# (stored outcome, later outcome) of one call that the later one replaces
# (conversations.actions.record_voicemail).
SAYS_MORE = {(MISSED, VOICEMAIL), (ABANDONED, VOICEMAIL)}

# What phone networks and Twilio put in From when the caller hides their number.
WITHHELD = {
    "",
    "anonymous",
    "restricted",
    "unknown",
    "unavailable",
    "private",
    "+266696687",
    "+7378742833",
    "+2562533",
    "+8656696",
    "+86282452253",
}

HEADLINES = {
    (Direction.INBOUND, ANSWERED): "Answered call",
    (Direction.INBOUND, MISSED): "Missed call",
    (Direction.INBOUND, VOICEMAIL): "Voicemail",
    (Direction.INBOUND, ABANDONED): "Abandoned call",
    (Direction.OUTBOUND, ANSWERED): "Outgoing call, answered",
    (Direction.OUTBOUND, MISSED): "Outgoing call, not answered",
    (Direction.OUTBOUND, VOICEMAIL): "Outgoing call, left a voicemail",
    (Direction.OUTBOUND, ABANDONED): "Outgoing call, cancelled",
}
# The fields of a CallEvent that hold our number and the customer's, by direction.
OUR_NUMBER = {Direction.INBOUND: "to_number", Direction.OUTBOUND: "from_number"}
THEIR_NUMBER = {Direction.INBOUND: "from_number", Direction.OUTBOUND: "to_number"}


@dataclass
class CallEvent:
    provider: str  # "twilio", or what a JSON webhook calls its phone system
    call_id: str  # the provider's id of the call
    direction: str  # Direction.INBOUND (the customer called) or Direction.OUTBOUND
    from_number: str
    to_number: str
    outcome: str  # one of OUTCOMES
    started_at: datetime | None = None  # None: now
    duration_seconds: int = 0
    recording_url: str = ""
    agent: User | None = None  # who took or made the call
    customer_name: str = ""  # the name a new customer gets, when the system knows one

    @property
    def external_id(self) -> str:
        return f"{self.provider}:{self.call_id}"

    @property
    def our_number(self) -> str:
        return getattr(self, OUR_NUMBER[self.direction])

    @property
    def their_number(self) -> str:
        return getattr(self, THEIR_NUMBER[self.direction])


def line_for(number: str) -> PhoneLine | None:
    """The line of one of our numbers, given in international format."""
    try:
        normalised = normalise_phone(number)
    except InvalidIdentity:
        return None
    return PhoneLine.objects.select_related("location", "team").filter(number=normalised).first()


def record_call(event: CallEvent) -> Received:
    """Store a call's final status as a message; a call already stored is returned as it is.

    An ActionError names the CallEvent field to blame.
    """
    _check(event)
    stored = _stored(event)
    if stored is not None:
        if (stored.meta.get("outcome"), event.outcome) in SAYS_MORE:
            return Received(_left_voicemail(stored, event), created=False)
        return Received(stored, created=False)
    try:
        with transaction.atomic():
            received = _record(event)
            if received.created and event.outcome in UNTAKEN:
                _untaken(received.message, event)
    except IntegrityError:
        # The same call, delivered twice at once: the other delivery stored it first.
        stored = _stored(event)
        if stored is None:
            raise
        return Received(stored, created=False)
    return received


@transaction.atomic
def _left_voicemail(stored: Message, event: CallEvent) -> Message:
    message, changed = conversation_actions.record_voicemail(
        event.agent,
        stored,
        text=describe(event),
        duration_seconds=event.duration_seconds,
        recording_url=event.recording_url,
    )
    if changed:  # not when another delivery of the voicemail came first
        _untaken(message, event)
    return message


def _untaken(message: Message, event: CallEvent) -> None:
    """Whoever queues calls back hears of it in this transaction: a call stored without its
    callback would be forgotten, since the phone system's retry finds the call stored."""
    conversation = message.conversation
    identity = message.identity
    phone = identity.value if identity and identity.kind == IdentityKind.PHONE else ""
    publish(
        EventName.CALL_UNTAKEN,
        message_id=message.pk,
        conversation_id=conversation.pk,
        customer_id=conversation.customer_id,
        location_id=conversation.location_id,
        direction=event.direction,
        outcome=event.outcome,
        number=phone,
        at=message.created_at.isoformat(),
    )


def describe(event: CallEvent) -> str:
    """The message text: "Answered call, 4 min 12 s, with Nora", "Missed call", …"""
    parts = [HEADLINES[(event.direction, event.outcome)]]
    if event.outcome in (ANSWERED, VOICEMAIL) and event.duration_seconds:
        parts.append(duration(event.duration_seconds))
    if event.agent is not None:
        name = event.agent.get_full_name() or event.agent.username
        if event.direction == Direction.OUTBOUND:
            parts.append(f"by {name}")
        elif event.outcome == ANSWERED:
            parts.append(f"with {name}")
    text = ", ".join(parts)
    return f"{text} ({event.recording_url})" if event.recording_url else text


def duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} s"
    return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"


def _check(event: CallEvent) -> None:
    if not event.provider.strip():
        raise ActionError("name the phone system", "provider")
    if not event.call_id.strip():
        raise ActionError("a call needs its id", "call_id")
    if event.direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise ActionError("a call is inbound or outbound", "direction")
    if event.outcome not in OUTCOMES:
        raise ActionError(f"the outcome is one of {', '.join(OUTCOMES)}", "outcome")
    if event.duration_seconds < 0:
        raise ActionError("a call cannot last less than nothing", "duration_seconds")
    if event.started_at is not None:
        # A phone system's clock runs a little off ours and its webhooks are retried for
        # days, not years (helpline.core.windows).
        check_call_start(event.started_at)


def _stored(event: CallEvent) -> Message | None:
    # The explicit exclude lets SQLite use the partial unique index.
    return (
        Message.objects.filter(channel=Channel.PHONE, external_id=event.external_id)
        .exclude(external_id="")
        .first()
    )


def _record(event: CallEvent) -> Received:
    line = line_for(event.our_number)
    location = line.location if line else None
    number = _customer_number(event, location)
    if event.direction == Direction.INBOUND:
        return receive(
            Inbound(
                channel=Channel.PHONE,
                identity_kind=IdentityKind.PHONE if number else "",
                identity_value=number,
                name=event.customer_name,
                subject=_subject(event, number),
                text=describe(event),
                external_id=event.external_id,
                continue_open=True,
                location=location,
                team=line.team if line else None,
                logged_by=event.agent,
                received_at=event.started_at,
                meta=_meta(event, line),
            )
        )
    message, new_conversation = conversation_actions.log_call_we_made(
        event.agent,
        number=number,
        customer_name=event.customer_name,
        text=describe(event),
        subject=_subject(event, number),
        location=location,
        team=line.team if line else None,
        at=event.started_at,
        external_id=event.external_id,
        meta=_meta(event, line),
    )
    return Received(message, created=True, new_conversation=new_conversation)


def _customer_number(event: CallEvent, location: Location | None) -> str:
    """The customer's number in E.164; empty when an inbound caller withheld it."""
    raw = event.their_number.strip()
    field = THEIR_NUMBER[event.direction]
    if raw.lower() in WITHHELD:
        if event.direction == Direction.OUTBOUND:
            raise ActionError("an outbound call needs the number called", field)
        return ""
    try:
        # A national number is read as one of the country of the line it reached.
        return normalise_phone(raw, location.country if location else "")
    except InvalidIdentity as exc:
        raise ActionError(str(exc), field) from None


def _subject(event: CallEvent, number: str) -> str:
    if event.direction == Direction.OUTBOUND:
        return f"Call to {number}"
    return f"Call from {number}" if number else "Call from a withheld number"


def _meta(event: CallEvent, line: PhoneLine | None) -> dict:
    return {
        "provider": event.provider,
        "call_id": event.call_id,
        "direction": event.direction,
        "outcome": event.outcome,
        "duration_seconds": event.duration_seconds,
        "recording_url": event.recording_url,
        "agent_id": event.agent.pk if event.agent else None,
        "from": event.from_number,
        "to": event.to_number,
        "line": line.number if line else None,
    }
