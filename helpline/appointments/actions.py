"""State changes of appointments. Views, the API and the reminder task call these.

Each action is one transaction, writes the activity log and puts an internal note on the
appointment's conversation, so the customer's timeline tells the whole story: booked,
moved, cancelled, attended or missed. The customer is told by email (invitations.py).

Two bookings of one agent at once: `book` and `reschedule` lock the agent's user row
before looking for an overlapping appointment, so the second waits for the first to
commit and then sees it. A database constraint could not say it on both databases (an
exclusion constraint over time ranges is PostgreSQL's alone), and the lock costs one
row per booking. On SQLite, transactions take the write lock at BEGIN anyway.
"""

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from helpline.appointments import invitations, slots
from helpline.appointments.models import Appointment, AppointmentStatus, Kind
from helpline.appointments.verbs import Verb
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Channel, Conversation, Delivery, Message, Status
from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.models import Activity, Location, User
from helpline.core.windows import check_appointment_start
from helpline.customers.identities import InvalidIdentity, normalise_phone
from helpline.customers.models import Customer
from helpline.hours.actions import EARLIEST_YEAR, LATEST_YEAR
from helpline.hours.calendar import calendar_for

BOOKED, RESCHEDULED, CANCELLED = Verb.BOOKED, Verb.RESCHEDULED, Verb.CANCELLED
OUTCOME_RECORDED, REMINDED = Verb.OUTCOME_RECORDED, Verb.REMINDED
OUTCOMES = (AppointmentStatus.ATTENDED, AppointmentStatus.MISSED, AppointmentStatus.MISSED_BY_US)
MISSED = {AppointmentStatus.MISSED: "customer", AppointmentStatus.MISSED_BY_US: "us"}
MAX_NOTE = 2000
MAX_REASON = Appointment._meta.get_field("cancel_reason").max_length
REMINDER_BATCH = 500


def reminder_window() -> timedelta:
    return timedelta(hours=settings.HELPLINE_APPOINTMENT_REMINDER_HOURS)


@transaction.atomic
def book(
    actor: User | None,
    customer: Customer,
    kind: str,
    starts_at: datetime,
    location: Location | None = None,
    agent: User | None = None,
    conversation: Conversation | None = None,
    phone_number: str = "",
    note: str = "",
) -> Appointment:
    """Book a slot of HELPLINE_APPOINTMENT_MINUTES from `starts_at` and invite the customer.

    Without a conversation, one is started (a phone one for a callback, a walk-in one for
    a visit), so the booking and what becomes of it are on the customer's timeline.

    The conversation then waits for the appointment: it is pending until it starts (no
    resolution clock runs meanwhile) and reopens itself then, assigned to the agent booked
    when nobody else has it.
    """
    if kind not in Kind.values:
        raise ActionError(f"the kind is one of {', '.join(Kind.values)}", "kind")
    if customer.merged_into_id is not None:
        raise ActionError("this customer was merged into another: book for that one", "customer")
    if conversation is not None and conversation.customer_id != customer.pk:
        raise ActionError("that conversation is another customer's", "conversation")
    if location is None:
        location = conversation.location if conversation else customer.location
    if location is None:
        raise ActionError("say where: the customer has no location", "location")
    number = _phone_number(kind, phone_number, location)
    note = _note_text(note)
    starts_at = _aware(starts_at)
    ends_at = starts_at + slots.slot_length()
    now = timezone.now()
    _refuse_unbookable(location, agent, starts_at, ends_at, now)
    if conversation is None:
        conversation = _appointment_conversation(actor, customer, kind, location)
    appointment = Appointment.objects.create(
        customer=customer,
        conversation=conversation,
        location=location,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        agent=agent,
        phone_number=number,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        # Booked within the reminder window, the invitation is reminder enough.
        reminder_sent_at=now if starts_at - now <= reminder_window() else None,
        uid=f"{uuid.uuid4()}@{settings.HELPLINE_MAIL_DOMAIN}",
    )
    _wait_for(actor, appointment)
    sent = invitations.send(actor, appointment, invitations.INVITATION)
    lines = [f"Appointment booked: {_describe(appointment)}."]
    if note:
        lines.append(f"Note: {note}")
    _timeline(actor, appointment, lines, sent, "Invitation")
    record(
        actor,
        BOOKED,
        appointment,
        kind=kind,
        customer_id=customer.pk,
        conversation_id=conversation.pk,
        starts_at=starts_at.isoformat(),
        agent_id=agent.pk if agent else None,
        **_mail_data(sent),
    )
    return appointment


@transaction.atomic
def reschedule(actor: User | None, appointment: Appointment, starts_at: datetime) -> Appointment:
    """Move a booked appointment (its length kept) and send the customer the updated invitation."""
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ActionError(
            f"this appointment is {appointment.get_status_display().lower()}", "starts_at"
        )
    starts_at = _aware(starts_at)
    if starts_at == appointment.starts_at:
        raise ActionError("the appointment is already at that time", "starts_at")
    ends_at = starts_at + (appointment.ends_at - appointment.starts_at)
    now = timezone.now()
    _refuse_unbookable(
        appointment.location, appointment.agent, starts_at, ends_at, now, moving=appointment
    )
    before = _describe(appointment)
    previous_start = appointment.starts_at
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.sequence += 1
    appointment.reminder_sent_at = now if starts_at - now <= reminder_window() else None
    appointment.save(update_fields=["starts_at", "ends_at", "sequence", "reminder_sent_at"])
    _wait_for(actor, appointment, instead_of=previous_start)
    sent = invitations.send(actor, appointment, invitations.UPDATE)
    lines = [f"Appointment moved from {before} to {_when(appointment)}."]
    _timeline(actor, appointment, lines, sent, "Updated invitation")
    record(
        actor,
        RESCHEDULED,
        appointment,
        starts_at_before=previous_start.isoformat(),
        starts_at=starts_at.isoformat(),
        sequence=appointment.sequence,
        **_mail_data(sent),
    )
    return appointment


@transaction.atomic
def cancel(actor: User | None, appointment: Appointment, reason: str = "") -> Appointment:
    """Cancel a booked appointment and withdraw it from the customer's calendar."""
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ActionError(
            f"this appointment is {appointment.get_status_display().lower()}", "status"
        )
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ActionError(f"at most {MAX_REASON} characters", "reason")
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason
    appointment.sequence += 1
    appointment.outcome_at = timezone.now()
    appointment.outcome_by = actor if getattr(actor, "pk", None) else None
    appointment.save(
        update_fields=["status", "cancel_reason", "sequence", "outcome_at", "outcome_by"]
    )
    _stop_waiting_for(actor, appointment)
    sent = invitations.send(actor, appointment, invitations.CANCELLATION)
    said = f" ({reason})" if reason else ""
    lines = [f"Appointment cancelled{said}: {_describe(appointment)}."]
    _timeline(actor, appointment, lines, sent, "Cancellation")
    record(actor, CANCELLED, appointment, reason=reason, **_mail_data(sent))
    return appointment


@transaction.atomic
def record_outcome(actor: User | None, appointment: Appointment, outcome: str) -> Appointment:
    """Whether the customer came (or took the call): attended, missed (by the customer), or
    missed on our side (nobody called or received them).

    A missed callback does not queue a call back by itself: the agent decides what next. A
    missed one is published (`appointment.missed`; recovery opens a case for ours).
    """
    if outcome not in OUTCOMES:
        raise ActionError(f"the outcome is one of {', '.join(OUTCOMES)}", "outcome")
    appointment = _locked(appointment)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ActionError(
            f"this appointment is {appointment.get_status_display().lower()}", "outcome"
        )
    now = timezone.now()
    if outcome in MISSED and now < appointment.starts_at:
        raise ActionError("it has not started yet, so it cannot have been missed", "outcome")
    appointment.status = outcome
    appointment.outcome_at = now
    appointment.outcome_by = actor if getattr(actor, "pk", None) else None
    appointment.save(update_fields=["status", "outcome_at", "outcome_by"])
    _stop_waiting_for(actor, appointment)
    label = AppointmentStatus(outcome).label.lower()
    conversation_actions.add_note(
        actor, appointment.conversation, f"Appointment {label}: {_describe(appointment)}."
    )
    record(actor, OUTCOME_RECORDED, appointment, outcome=outcome)
    if outcome == AppointmentStatus.ATTENDED:
        publish(
            EventName.APPOINTMENT_ATTENDED,
            appointment_id=appointment.pk,
            customer_id=appointment.customer_id,
            conversation_id=appointment.conversation_id,
            location_id=appointment.location_id,
            kind=appointment.kind,
            agent_id=appointment.agent_id or appointment.outcome_by_id,
            starts_at=appointment.starts_at.isoformat(),
            ends_at=appointment.ends_at.isoformat(),
        )
    if outcome in MISSED:
        publish(
            EventName.APPOINTMENT_MISSED,
            appointment_id=appointment.pk,
            customer_id=appointment.customer_id,
            conversation_id=appointment.conversation_id,
            location_id=appointment.location_id,
            kind=appointment.kind,
            by=MISSED[outcome],
            starts_at=appointment.starts_at.isoformat(),
        )
    return appointment


def follow_merged_customer(source_id: int, target_id: int) -> None:
    """A merge moved the source's conversations; their appointments go with them."""
    Appointment.objects.filter(customer_id=source_id).update(customer_id=target_id)


def follow_unmerged_customer(source_id: int, target_id: int) -> None:
    """An unmerge moved conversations back; so go their appointments."""
    Appointment.objects.filter(customer_id=target_id, conversation__customer_id=source_id).update(
        customer_id=source_id
    )


def due_reminders(now: datetime | None = None, limit: int = REMINDER_BATCH) -> list[int]:
    """Booked appointments starting within the reminder window whose reminder is not sent."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + reminder_window(),
            reminder_sent_at__isnull=True,
        )
        .order_by("starts_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def remind(appointment_id: int, now: datetime | None = None) -> bool:
    """Send one appointment's reminder unless someone already has; whether this call did.

    The claim is a conditional UPDATE: of two workers at once, the second waits for the
    first's row lock and then finds reminder_sent_at set, so it claims nothing.
    """
    now = now or timezone.now()
    claimed = Appointment.objects.filter(
        pk=appointment_id, status=AppointmentStatus.BOOKED, reminder_sent_at__isnull=True
    ).update(reminder_sent_at=now)
    if not claimed:
        return False
    appointment = Appointment.objects.select_related("location", "customer").get(pk=appointment_id)
    sent = invitations.send(None, appointment, invitations.REMINDER)
    record(None, REMINDED, appointment, **_mail_data(sent))
    return True


def send_due_reminders(now: datetime | None = None) -> int:
    """Each due reminder once; how many this call claimed."""
    now = now or timezone.now()
    return sum(remind(pk, now) for pk in due_reminders(now))


# Checks


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise ActionError("a date and time, like 2026-01-05T10:00:00Z", "starts_at")
    if timezone.is_naive(moment):
        raise ActionError("a time needs its time zone, like 2026-01-05T10:00:00Z", "starts_at")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ActionError(f"a time within {EARLIEST_YEAR}–{LATEST_YEAR}", "starts_at")
    # Not decades ahead (helpline.core.windows); a time already past is refused later.
    check_appointment_start(moment)
    # In UTC: arithmetic on datetimes of one zone would be wall-clock arithmetic.
    return moment.astimezone(UTC)


def _phone_number(kind: str, phone_number: str, location: Location) -> str:
    if not phone_number.strip():
        if kind == Kind.CALLBACK:
            raise ActionError("a callback needs a number to call", "phone_number")
        return ""
    try:
        return normalise_phone(phone_number, location.country)
    except InvalidIdentity as exc:
        raise ActionError(str(exc), "phone_number") from None


def _note_text(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ActionError(f"at most {MAX_NOTE} characters", "note")
    return note


def _refuse_unbookable(
    location: Location,
    agent: User | None,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    moving: Appointment | None = None,
) -> None:
    if starts_at <= now:
        raise ActionError("that time has passed", "starts_at")
    if not slots.is_open_throughout(calendar_for(location), starts_at, ends_at):
        raise ActionError(f"{location.name} is not open for the whole of that slot", "starts_at")
    if agent is None:
        return
    if not (agent.is_active and agent.serves(location.pk)):
        raise ActionError(f"{_name(agent)} does not serve {location.name}", "agent")
    User.objects.select_for_update().filter(pk=agent.pk).first()  # see the module's docstring
    others = Appointment.objects.filter(
        agent=agent, status=AppointmentStatus.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if moving is not None:
        others = others.exclude(pk=moving.pk)
    clash = others.select_related("location").order_by("starts_at").first()
    if clash is not None:
        raise ActionError(
            f"{_name(agent)} already has an appointment then ({_when(clash)})", "starts_at"
        )


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("location", "customer", "agent", "conversation")
        .get(pk=appointment.pk)
    )


# The conversation waits for the appointment


def _wait_for(actor: User | None, appointment: Appointment, instead_of: datetime | None = None):
    """The appointment's conversation is pending until it starts, and its agent's to follow.

    Booked (`instead_of` None): it waits unless it is closed, and the agent takes it when
    nobody has it. Moved: it waits for the new time if it was waiting for the old one."""
    conversation = appointment.conversation
    if instead_of is None:
        agent = appointment.agent
        # Not an agent booked at another location than the conversation's: it is not theirs.
        if agent and conversation.assignee_id is None and agent.serves(conversation.location_id):
            conversation_actions.assign(actor, conversation, assignee=agent)
        if conversation.status == Status.CLOSED:
            return
    elif not _waits_for(conversation, instead_of):
        return
    conversation_actions.set_status(
        actor, conversation, Status.PENDING, pending_until=appointment.starts_at
    )


def _stop_waiting_for(actor: User | None, appointment: Appointment) -> None:
    """Cancelled, or its outcome known before it started: a conversation still waiting for
    it comes back to the agents."""
    conversation = appointment.conversation
    if _waits_for(conversation, appointment.starts_at):
        conversation_actions.reopen(actor, conversation)


def _waits_for(conversation: Conversation, starts_at: datetime) -> bool:
    conversation.refresh_from_db(fields=["status", "pending_until"])
    return conversation.status == Status.PENDING and conversation.pending_until == starts_at


# What the customer's mail became


MAIL_NAMES = {
    invitations.INVITATION: "Invitation",
    invitations.UPDATE: "Updated invitation",
    invitations.CANCELLATION: "Cancellation",
    invitations.REMINDER: "Reminder",
}
AUTOMATIC_PREFIX = "appointment_"


def is_appointment_mail(payload: dict) -> bool:
    return payload.get("automatic", "").startswith(AUTOMATIC_PREFIX)


@transaction.atomic
def report_mail(
    delivery_id: int | None, message_id: int, recipient: str, *, failed: bool, error: str = ""
) -> bool:
    """The outbox sent the customer's mail about an appointment (or gave up on it): the
    timeline says so. Once per delivery of the email channel's event; whether this call did."""
    verb = Verb.MAIL_FAILED if failed else Verb.MAIL_SENT
    message = Message.objects.select_related("conversation").get(pk=message_id)
    appointment = Appointment.objects.filter(pk=message.meta.get("appointment_id")).first()
    if appointment is None:
        return False
    said = Activity.objects.filter(
        verb=verb, subject_type="appointment", subject_id=appointment.pk
    ).filter(data__delivery_id=delivery_id, data__message_id=message_id)
    if delivery_id is not None and said.exists():
        return False
    purpose = message.meta["automatic"].removeprefix(AUTOMATIC_PREFIX)
    mail = MAIL_NAMES.get(purpose, "Mail")
    if failed:
        text = f"{mail} to {recipient} could not be sent: {error}"
    else:
        text = f"{mail} sent to {recipient}."
    conversation_actions.add_note(None, message.conversation, text)
    record(None, verb, appointment, delivery_id=delivery_id, message_id=message_id)
    return True


# What the timeline says


def _appointment_conversation(
    actor: User | None, customer: Customer, kind: str, location: Location
) -> Conversation:
    """An appointment booked without a conversation gets one, for its timeline."""
    return conversation_actions.start_conversation(
        actor,
        customer,
        channel=Channel.PHONE if kind == Kind.CALLBACK else Channel.WALK_IN,
        subject=f"{Kind(kind).label} at {location.name}",
        location=location,
    )


def _timeline(
    actor: User | None,
    appointment: Appointment,
    lines: list[str],
    sent: invitations.Sent,
    mail: str,
) -> None:
    if sent.message is not None:
        lines.append(_mail_state(mail, sent))
    else:
        lines.append(f"No {mail.lower()} sent: {sent.not_sent_because}.")
    conversation_actions.add_note(actor, appointment.conversation, "\n".join(lines))


def _mail_state(mail: str, sent: invitations.Sent) -> str:
    """What the outbox has done with the mail so far: queued (the worker sends it after
    commit; `report_mail` tells the timeline when it went), or already sent or failed."""
    message = Message.objects.only("delivery", "delivery_error").get(pk=sent.message.pk)
    if message.delivery == Delivery.SENT:
        return f"{mail} sent to {sent.recipient}."
    if message.delivery == Delivery.FAILED:
        return f"{mail} to {sent.recipient} could not be sent: {message.delivery_error}"
    return f"{mail} queued for {sent.recipient}."


def _mail_data(sent: invitations.Sent) -> dict:
    if sent.message is None:
        return {"message_id": None, "not_sent_because": sent.not_sent_because}
    return {"message_id": sent.message.pk}


def _describe(appointment: Appointment) -> str:
    what = Kind(appointment.kind).label.lower()
    if appointment.kind == Kind.CALLBACK:
        what = f"{what} to {appointment.phone_number}"
    with_whom = f", with {_name(appointment.agent)}" if appointment.agent else ""
    return f"{what} at {appointment.location.name}, {_when(appointment)}{with_whom}"


def _when(appointment: Appointment) -> str:
    return invitations.when_text(appointment)


def _name(user: User) -> str:
    return user.get_full_name() or user.username
