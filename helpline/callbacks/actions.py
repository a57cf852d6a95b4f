"""State changes of callbacks. Views, the API and the channel receivers call these.

Each action is one transaction and writes the activity log. The calls an agent makes are
logged on the callback's conversation as outbound phone messages (conversations.actions
.log_contact): only the one that reached the customer counts as our response.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpline.callbacks import backoff
from helpline.callbacks.models import Callback, CallbackAttempt, CallbackStatus, Outcome, Reason
from helpline.callbacks.verbs import Verb
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import CallOutcome, Channel, Conversation, Direction
from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.models import Location, User
from helpline.core.windows import check_due
from helpline.customers.identities import InvalidIdentity, normalise_phone
from helpline.customers.models import Customer
from helpline.hours.calendar import calendar_for

CREATED, ATTEMPTED, CLOSED = Verb.CREATED, Verb.ATTEMPTED, Verb.CLOSED
REOPENED, VOICEMAIL_LEFT = Verb.REOPENED, Verb.VOICEMAIL_LEFT
QUEUED_AGAIN, DISMISSED = Verb.QUEUED_AGAIN, Verb.DISMISSED
NOT_FAILED: dict[str, str] = {
    CallbackStatus.OPEN: "is on the worklist already",
    CallbackStatus.DONE: "is done already",
    CallbackStatus.CLOSED: "is closed already",
}
MERGED_DUPLICATE = "the same number was already on the worklist of the customer merged into"


@transaction.atomic
def create_callback(
    actor: User | None,
    customer: Customer,
    phone_number: str,
    reason: str,
    due_at: datetime | None = None,
    conversation: Conversation | None = None,
    location: Location | None = None,
) -> Callback:
    """Put a call back on the worklist, due `due_at` (or now), moved into opening hours.

    `due_at` lies within DUE_BEHIND and DUE_AHEAD of now (helpline.core.windows).

    A customer has one open callback per number: asking again gives back the open one,
    due when it already was; a voicemail makes it one (there is a message to hear first).
    """
    if reason not in Reason.values:
        raise ActionError(f"the reason is one of {', '.join(Reason.values)}", "reason")
    if due_at is not None:
        check_due(due_at)
    if location is None:
        location = conversation.location if conversation else customer.location
    number = _e164(phone_number, location)
    existing = _open_callback(customer, number)
    if existing is not None:
        return _heard_voicemail(actor, existing) if reason == Reason.VOICEMAIL else existing
    now = timezone.now()
    callback = Callback(
        customer=customer,
        conversation=conversation,
        location=location,
        phone_number=number,
        reason=reason,
        due_at=backoff.within_hours(calendar_for(location), due_at or now),
        max_attempts=settings.HELPLINE_CALLBACK_MAX_ATTEMPTS,
        created_at=now,
    )
    try:
        with transaction.atomic():
            callback.save()
    except IntegrityError:  # the same callback, asked for twice at once: the other one won
        existing = _open_callback(customer, number)
        if existing is None:
            raise
        return existing
    record(
        actor,
        CREATED,
        callback,
        reason=reason,
        customer_id=customer.pk,
        due_at=str(callback.due_at),
    )
    return callback


def _heard_voicemail(actor: User | None, callback: Callback) -> Callback:
    if callback.reason not in (Reason.MISSED_CALL, Reason.ABANDONED_CALL):
        return callback
    before = callback.reason
    callback.reason = Reason.VOICEMAIL
    callback.save(update_fields=["reason"])
    record(actor, VOICEMAIL_LEFT, callback, before=before)
    return callback


def _e164(phone_number: str, location: Location | None) -> str:
    try:
        return normalise_phone(phone_number, location.country if location else "")
    except InvalidIdentity as exc:
        raise ActionError(str(exc), "phone_number") from None


def _open_callback(customer: Customer, number: str) -> Callback | None:
    return Callback.objects.filter(
        customer=customer, phone_number=number, status=CallbackStatus.OPEN
    ).first()


@transaction.atomic
def record_attempt(actor: User, callback: Callback, outcome: str, note: str = "") -> Callback:
    """What became of a call back: reached is done, a wrong number and too many tries nobody
    answered need a manual look (failed), anything else is tried again later."""
    if outcome not in Outcome.values:
        raise ActionError(f"the outcome is one of {', '.join(Outcome.values)}", "outcome")
    callback = (
        Callback.objects.select_for_update(of=("self",))
        .select_related("location")
        .get(pk=callback.pk)
    )
    if callback.status != CallbackStatus.OPEN:
        raise ActionError(f"this callback is {callback.get_status_display().lower()}", "outcome")
    now = timezone.now()
    attempt = CallbackAttempt.objects.create(
        callback=callback, agent=actor, outcome=outcome, note=note.strip(), at=now
    )
    if outcome == Outcome.REACHED:
        _close(callback, CallbackStatus.DONE, f"reached by {_name(actor)}", now)
    elif outcome == Outcome.WRONG_NUMBER:
        _close(callback, CallbackStatus.FAILED, "wrong number", now)
    else:
        callback.attempts += 1
        if callback.attempts >= callback.max_attempts:
            reason = f"not reached in {callback.attempts} tries"
            _close(callback, CallbackStatus.FAILED, reason, now)
        else:
            calendar = calendar_for(callback.location)
            callback.due_at = backoff.next_try(calendar, callback.attempts, now)
    if callback.conversation_id is None:
        callback.conversation = _call_conversation(actor, callback)
    callback.save()
    _log_call(actor, callback, attempt)
    if callback.status == CallbackStatus.FAILED:
        _publish_failed(callback, outcome)
    record(
        actor,
        ATTEMPTED,
        callback,
        attempt_id=attempt.pk,
        outcome=outcome,
        status=callback.status,
        due_at=str(callback.due_at),
    )
    return callback


@transaction.atomic
def queue_again(actor: User, callback: Callback, phone_number: str = "") -> Callback:
    """A failed callback back on the worklist with fresh tries, due as soon as the location is
    open; with `phone_number`, on that number instead (a wrong number corrected)."""
    callback = _locked_failed(callback, "phone_number" if phone_number.strip() else "")
    before = callback.phone_number
    number = _e164(phone_number, callback.location) if phone_number.strip() else before
    if _open_callback(callback.customer, number) is not None:
        raise ActionError(
            f"{number} is on the worklist already for {callback.customer}; "
            "dismiss this one instead",
            "phone_number",
        )
    now = timezone.now()
    callback.phone_number = number
    callback.status = CallbackStatus.OPEN
    callback.attempts = 0
    callback.max_attempts = settings.HELPLINE_CALLBACK_MAX_ATTEMPTS
    callback.due_at = backoff.within_hours(calendar_for(callback.location), now)
    callback.closed_at, callback.closed_reason = None, ""
    callback.save()
    record(
        actor,
        QUEUED_AGAIN,
        callback,
        due_at=str(callback.due_at),
        phone_number=number,
        before=before,
    )
    return callback


@transaction.atomic
def dismiss(actor: User, callback: Callback, reason: str) -> Callback:
    """A failed callback nobody will make: closed, with the reason why kept on it and logged."""
    reason = " ".join(reason.split())
    if not reason:
        raise ActionError(
            "say why nobody will call back, e.g. “customer wrote in instead”", "reason"
        )
    callback = _locked_failed(callback, "reason")
    _close(
        callback, CallbackStatus.CLOSED, f"dismissed by {_name(actor)}: {reason}", timezone.now()
    )
    callback.save(update_fields=["status", "closed_at", "closed_reason"])
    record(actor, DISMISSED, callback, reason=reason)
    return callback


def _publish_failed(callback: Callback, outcome: str) -> None:
    reason = "wrong_number" if outcome == Outcome.WRONG_NUMBER else "never_connected"
    publish(
        EventName.CALLBACK_FAILED,
        callback_id=callback.pk,
        customer_id=callback.customer_id,
        conversation_id=callback.conversation_id,
        location_id=callback.location_id,
        reason=reason,
        failed_at=callback.closed_at.isoformat() if callback.closed_at else None,
    )


def _locked_failed(callback: Callback, field: str) -> Callback:
    callback = (
        Callback.objects.select_for_update(of=("self",))
        .select_related("location", "customer")
        .get(pk=callback.pk)
    )
    if callback.status != CallbackStatus.FAILED:
        raise ActionError(f"this callback {NOT_FAILED[callback.status]}", field)
    return callback


def _close(callback: Callback, status: str, reason: str, at: datetime) -> None:
    callback.status = status
    callback.closed_at = at
    callback.closed_reason = reason[:200]


def _name(user: User | None) -> str:
    if user is None:
        return "the phone system"
    return user.get_full_name() or user.username


def _call_conversation(actor: User, callback: Callback) -> Conversation:
    """A callback asked for without a conversation gets one, so its calls are on the timeline."""
    return conversation_actions.start_conversation(
        actor,
        callback.customer,
        channel=Channel.PHONE,
        subject=f"Call back {callback.phone_number}",
        location=callback.location,
    )


def _log_call(actor: User, callback: Callback, attempt: CallbackAttempt) -> None:
    text = f"Called back {callback.phone_number}: {attempt.get_outcome_display().lower()}"
    if attempt.note:
        text = f"{text}. {attempt.note}"
    reached = attempt.outcome == Outcome.REACHED
    conversation = callback.conversation
    assert conversation is not None  # the caller gave the callback one before the call
    conversation_actions.log_contact(
        actor,
        conversation,
        channel=Channel.PHONE,
        text=text,
        direction=Direction.OUTBOUND,
        at=attempt.at,
        meta={
            "outcome": CallOutcome.ANSWERED if reached else attempt.outcome,
            "callback_id": callback.pk,
        },
    )


def customers_with_open_callbacks(customer_ids) -> set[int]:
    """Which of these customers have a callback open: one query for a whole batch of mail."""
    return set(
        Callback.objects.filter(
            customer_id__in=list(customer_ids), status=CallbackStatus.OPEN
        ).values_list("customer_id", flat=True)
    )


@transaction.atomic
def close_for_customer(customer_id: int, reason: str, actor: User | None = None) -> int:
    """The customer was reached some other way: their open callbacks are closed (how many)."""
    callbacks = list(
        Callback.objects.select_for_update().filter(
            customer_id=customer_id, status=CallbackStatus.OPEN
        )
    )
    now = timezone.now()
    for callback in callbacks:
        _close(callback, CallbackStatus.CLOSED, reason, now)
    Callback.objects.bulk_update(callbacks, ["status", "closed_at", "closed_reason"])
    for callback in callbacks:
        record(actor, CLOSED, callback, reason=callback.closed_reason)
    return len(callbacks)


def follow_merged_customer(actor: User | None, source: Customer, target: Customer) -> dict:
    """A merge gives the target the source's callbacks; what moved is returned for its log.

    A number both had open stays open once, the target's: the source's is closed.
    """
    callbacks = list(Callback.objects.select_for_update().filter(customer=source).order_by("pk"))
    open_on_target = set(
        Callback.objects.filter(customer=target, status=CallbackStatus.OPEN).values_list(
            "phone_number", flat=True
        )
    )
    now = timezone.now()
    duplicates = [
        callback
        for callback in callbacks
        if callback.status == CallbackStatus.OPEN and callback.phone_number in open_on_target
    ]
    for callback in duplicates:
        _close(callback, CallbackStatus.CLOSED, MERGED_DUPLICATE, now)
    Callback.objects.bulk_update(duplicates, ["status", "closed_at", "closed_reason"])
    for callback in duplicates:
        record(actor, CLOSED, callback, reason=callback.closed_reason)
    Callback.objects.filter(pk__in=[callback.pk for callback in callbacks]).update(customer=target)
    return {
        "callback_ids": [callback.pk for callback in callbacks],
        "callback_duplicate_ids": [callback.pk for callback in duplicates],
    }


def follow_unmerged_customer(
    actor: User | None, source: Customer, target: Customer, merged: dict
) -> None:
    """An unmerge takes back the callbacks the merge moved, and those on conversations it took
    back; a callback the merge closed as a duplicate opens again if it was left so."""
    moved = set(merged.get("callback_ids", []))
    back = Callback.objects.filter(customer=target)
    back_ids = [
        pk
        for pk, conversation_customer in back.values_list("pk", "conversation__customer_id")
        if pk in moved or conversation_customer == source.pk
    ]
    Callback.objects.filter(pk__in=back_ids).update(customer=source)
    duplicates = Callback.objects.filter(
        pk__in=merged.get("callback_duplicate_ids", []),
        customer=source,
        status=CallbackStatus.CLOSED,
        closed_reason=MERGED_DUPLICATE,
    )
    for callback in duplicates.select_for_update():
        if _open_callback(source, callback.phone_number) is not None:
            continue
        callback.status, callback.closed_at, callback.closed_reason = CallbackStatus.OPEN, None, ""
        callback.save(update_fields=["status", "closed_at", "closed_reason"])
        record(actor, REOPENED, callback, reason="the merge that closed it was undone")
