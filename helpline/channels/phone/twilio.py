"""Twilio's voice webhooks: checking their signature, reading them as a CallEvent.

Three kinds of request come to one URL:

- the call's status callback. Twilio counts a call its TwiML answered as "completed",
  whether or not a person took it, so on its own it cannot tell a missed call;
- a <Dial action> request, when the people a <Dial> rang hung up or never answered:
  DialCallStatus says which, so a number whose TwiML <Dial>s agents sends these;
- a <Record action> request, when a caller has left a voicemail.

The action requests want TwiML back (`is_action`); see api.calls.

Twilio signs each request with the account's auth token: the header X-Twilio-Signature
is base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value, in the
order of the names)). The URL is the one Twilio called, with its query string; we
cannot see it behind a proxy, so it is rebuilt from settings.SITE_URL, which must then
be the public address.
"""

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime

from django.http import QueryDict
from django.utils import timezone

from helpline.channels.phone.calls import ABANDONED, ANSWERED, MISSED, VOICEMAIL, CallEvent
from helpline.conversations.models import Direction
from helpline.core.errors import ActionError
from helpline.core.params import parse_int
from helpline.core.windows import check_call_start

PROVIDER = "twilio"
DIRECTIONS = {
    "inbound": Direction.INBOUND,
    "outbound-api": Direction.OUTBOUND,  # started through Twilio's REST API
    "outbound-dial": Direction.OUTBOUND,  # a <Dial> from TwiML
}
# Final statuses and what became of the call; a recording on one nobody took is a voicemail.
UNANSWERED = {"no-answer": MISSED, "busy": MISSED, "failed": MISSED, "canceled": ABANDONED}
# Statuses a call passes through before its final one: acknowledged, not recorded.
NOT_FINAL = {"queued", "initiated", "ringing", "in-progress"}
# What a <Dial> came to; "canceled" is the caller hanging up while it rang.
DIAL_OUTCOMES = {
    "completed": ANSWERED,
    "answered": ANSWERED,
    "busy": MISSED,
    "no-answer": MISSED,
    "failed": MISSED,
    "canceled": ABANDONED,
}
MAX_SECONDS = 7 * 24 * 3600


def is_dial_action(params: QueryDict) -> bool:
    return "DialCallStatus" in params


def is_record_action(params: QueryDict) -> bool:
    # A status callback of a recorded call has a RecordingUrl too, but never the Digits
    # that ended the recording ("hangup" when the caller did).
    return "RecordingUrl" in params and "Digits" in params


def is_action(params: QueryDict) -> bool:
    """A <Dial> or <Record> action request: Twilio continues the call with the TwiML answer."""
    return is_dial_action(params) or is_record_action(params)


def signature(auth_token: str, url: str, params: QueryDict) -> str:
    payload = url + "".join(name + value for name, value in _sorted_pairs(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_signed(auth_token: str, url: str, params: QueryDict, given: str) -> bool:
    if not auth_token or not given:
        return False
    expected = signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode(), given.encode())


def _sorted_pairs(params: QueryDict) -> Iterator[tuple[str, str]]:
    # As Twilio's own validators do: by name, then a repeated name's distinct values in order.
    for name in sorted(set(params.keys())):
        for value in sorted(set(params.getlist(name))):
            yield name, value


def event_from(params: QueryDict) -> CallEvent | None:
    """The call a request reports, or None while the call is not over yet.

    An ActionError names the Twilio parameter to blame.
    """
    if is_dial_action(params):
        return _dial_event(params)
    if is_record_action(params):
        return _voicemail_event(params)
    status = params.get("CallStatus", "")
    if status in NOT_FINAL:
        return None
    if status != "completed" and status not in UNANSWERED:
        raise ActionError(f"not a call status Twilio sends: {status!r}", "CallStatus")
    seconds = _seconds(params, "CallDuration")
    recording_url = params.get("RecordingUrl", "").strip()
    return _event(
        params,
        outcome=_outcome(status, seconds, recording_url),
        started_at=_started_at(params.get("Timestamp", ""), seconds),
        seconds=seconds,
        recording_url=recording_url,
    )


def _dial_event(params: QueryDict) -> CallEvent:
    outcome = DIAL_OUTCOMES.get(params.get("DialCallStatus", ""))
    if outcome is None:
        raise ActionError(f"one of {', '.join(DIAL_OUTCOMES)}", "DialCallStatus")
    answered = outcome == ANSWERED
    seconds = _seconds(params, "DialCallDuration") if answered else 0
    return _event(
        params,
        outcome=outcome,
        # Sent as the dialled leg ends: it began its duration ago.
        started_at=timezone.now() - timedelta(seconds=seconds),
        seconds=seconds,
        recording_url=params.get("RecordingUrl", "").strip() if answered else "",
    )


def _voicemail_event(params: QueryDict) -> CallEvent:
    seconds = _seconds(params, "RecordingDuration")
    recording_url = params.get("RecordingUrl", "").strip()
    left = bool(recording_url) and seconds > 0  # hung up at the beep: nothing was said
    return _event(
        params,
        outcome=VOICEMAIL if left else MISSED,
        started_at=None,
        seconds=seconds if left else 0,
        recording_url=recording_url if left else "",
    )


def _event(params: QueryDict, *, outcome, started_at, seconds, recording_url) -> CallEvent:
    call_sid = params.get("CallSid", "").strip()
    if not call_sid:
        raise ActionError("required", "CallSid")
    direction = DIRECTIONS.get(params.get("Direction", ""))
    if direction is None:
        raise ActionError(f"one of {', '.join(DIRECTIONS)}", "Direction")
    return CallEvent(
        provider=PROVIDER,
        call_id=call_sid,
        direction=direction,
        from_number=params.get("From", ""),
        to_number=params.get("To", ""),
        outcome=outcome,
        started_at=started_at,
        duration_seconds=seconds,
        recording_url=recording_url,
        customer_name=params.get("CallerName", "").strip(),
    )


def _outcome(status: str, seconds: int, recording_url: str) -> str:
    if status == "completed" and seconds > 0:
        return ANSWERED
    if recording_url:
        return VOICEMAIL
    return UNANSWERED.get(status, MISSED)  # completed after no time at all: nobody took it


def _seconds(params: QueryDict, name: str) -> int:
    value = params.get(name, "")
    if not value.strip():
        return 0
    try:
        seconds = parse_int(value, name, low=-(10**18), high=10**18)
    except ActionError:
        raise ActionError("a whole number of seconds", name) from None
    if not 0 <= seconds <= MAX_SECONDS:
        raise ActionError(f"between 0 and {MAX_SECONDS} seconds", name)
    return seconds


def _started_at(timestamp: str, seconds: int):
    """Timestamp is when the final status was sent, the call's end: it began that long before."""
    if not timestamp.strip():
        return None
    try:
        ended = parsedate_to_datetime(timestamp)
    except (TypeError, ValueError):
        raise ActionError("an RFC 2822 date, as Twilio sends it", "Timestamp") from None
    if ended.tzinfo is None:
        raise ActionError("a date with its time zone", "Timestamp")
    # Within the calls' window before any arithmetic: a minute before 0001-01-01 overflows.
    return check_call_start(ended, "Timestamp") - timedelta(seconds=seconds)
