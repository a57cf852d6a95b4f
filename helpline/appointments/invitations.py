"""What the customer is sent about an appointment: an invitation with an iCalendar file, its
updates and cancellation, and a reminder.

Each is an outbound email Message on the appointment's conversation (so it is on the
timeline), queued in the email outbox in the caller's transaction. The calendar file is
stored as the message's attachment; the outbox attaches it as text/calendar. Calendars
know the event by its UID and take the highest SEQUENCE as the latest word on it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
from django.db.models import F
from django.utils import timezone

from helpline.appointments.models import Appointment, Kind
from helpline.appointments.slots import zone_of
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Conversation, Message
from helpline.conversations.receive import IncomingAttachment
from helpline.core.models import Mailbox, User

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Helpline//Appointments//EN"
# Outlook and Gmail recognise an invitation by the method in the part's content type.
CALENDAR_CONTENT_TYPE = "text/calendar; method={method}; charset=utf-8"

INVITATION, UPDATE, CANCELLATION, REMINDER = "invitation", "update", "cancellation", "reminder"

OPENINGS = {
    INVITATION: "Your {what} is booked.",
    UPDATE: "Your {what} has moved to a new time.",
    CANCELLATION: "Your {what} is cancelled.",
    REMINDER: "A reminder of your {what}.",
}
SUBJECTS = {
    INVITATION: "Appointment booked: {when}",
    UPDATE: "Appointment moved: {when}",
    CANCELLATION: "Appointment cancelled: {when}",
    REMINDER: "Reminder: your appointment {when}",
}
CLOSINGS = {
    INVITATION: "The invitation for your calendar is attached. If the time does not suit "
    "you, reply to this email.",
    UPDATE: "The updated invitation for your calendar is attached.",
    CANCELLATION: "Your calendar is told by the attached file. Reply to this email to book "
    "another time.",
    REMINDER: "If you cannot make it, reply to this email.",
}


@dataclass(frozen=True)
class Sent:
    """What became of a mail to the customer: the message, or why there is none."""

    message: Message | None = None
    recipient: str = ""
    not_sent_because: str = ""


def local_time(appointment: Appointment, moment: datetime) -> datetime:
    return moment.astimezone(zone_of(appointment.location))


def when_text(appointment: Appointment) -> str:
    """Monday 5 January 2026, 10:00–10:30 (Europe/London time): on the location's wall clock."""
    starts = local_time(appointment, appointment.starts_at)
    ends = local_time(appointment, appointment.ends_at)
    zone = zone_of(appointment.location).key
    return f"{starts:%A} {starts.day} {starts:%B %Y}, {starts:%H:%M}–{ends:%H:%M} ({zone} time)"


def short_when(appointment: Appointment) -> str:
    starts = local_time(appointment, appointment.starts_at)
    return f"{starts:%a} {starts.day} {starts:%b %Y} {starts:%H:%M}"


def what_text(appointment: Appointment) -> str:
    if appointment.kind == Kind.CALLBACK:
        return f"call back from {appointment.location.name}"
    return f"appointment at {appointment.location.name}"


def where_text(appointment: Appointment) -> str:
    if appointment.kind == Kind.CALLBACK:
        return f"By phone: {appointment.location.name} calls you on {appointment.phone_number}"
    return appointment.location.name


def body(appointment: Appointment, purpose: str, customer_name: str) -> str:
    greeting = f"Hello {customer_name}," if customer_name else "Hello,"
    lines = [
        greeting,
        "",
        OPENINGS[purpose].format(what=what_text(appointment)),
        "",
        f"When:  {when_text(appointment)}",
        f"Where: {where_text(appointment)}",
        "",
        CLOSINGS[purpose],
        "",
    ]
    return "\n".join(lines)


def calendar_file(
    appointment: Appointment, method: str, organizer: Mailbox, attendee: str
) -> bytes:
    """The iCalendar (RFC 5545, iTIP RFC 5546) object of the appointment, times in UTC."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", appointment.uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    what = what_text(appointment)
    event.add("summary", what[:1].upper() + what[1:])
    event.add("location", where_text(appointment))
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    host = icalendar.vCalAddress(f"mailto:{organizer.address}")
    if organizer.name:
        host.params["cn"] = organizer.name
    event.add("organizer", host)
    guest = icalendar.vCalAddress(f"mailto:{attendee}")
    if appointment.customer.name:
        guest.params["cn"] = appointment.customer.name
    guest.params["role"] = "REQ-PARTICIPANT"
    guest.params["partstat"] = "NEEDS-ACTION"
    # Helpline reads no iTIP replies: the customer answers by email, to a person.
    guest.params["rsvp"] = "FALSE"
    event.add("attendee", guest)
    cal.add_component(event)
    return cal.to_ical()


def mailbox_for(conversation: Conversation) -> Mailbox | None:
    """The conversation's mailbox, else the first its location replies from (shared ones last)."""
    if conversation.mailbox_id is not None:
        return conversation.mailbox
    return (
        conversation_actions.reply_mailboxes(conversation)
        .order_by(F("location_id").asc(nulls_last=True), "id")
        .first()
    )


def send(actor: User | None, appointment: Appointment, purpose: str) -> Sent:
    """Queue the mail for `purpose`; call inside the action's transaction."""
    conversation = Conversation.objects.select_related("mailbox", "customer").get(
        pk=appointment.conversation_id
    )
    recipient = conversation_actions.reply_address(conversation)
    if not recipient:
        return Sent(not_sent_because="the customer has no email address")
    mailbox = mailbox_for(conversation)
    if mailbox is None:
        return Sent(not_sent_because=f"no mailbox sends mail for {appointment.location.name}")
    files = []
    if purpose != REMINDER:
        method = CANCEL if purpose == CANCELLATION else REQUEST
        data = calendar_file(appointment, method, mailbox, recipient)
        filename = "cancel.ics" if method == CANCEL else "invite.ics"
        content_type = CALENDAR_CONTENT_TYPE.format(method=method)
        files.append(IncomingAttachment(filename, content_type, data))
    message = conversation_actions.send_mail(
        actor if purpose != REMINDER else None,
        conversation,
        body(appointment, purpose, appointment.customer.first_name),
        recipient,
        meta={"automatic": f"appointment_{purpose}", "appointment_id": appointment.pk},
        subject=f"{SUBJECTS[purpose].format(when=short_when(appointment))} {conversation.token}",
        mailbox=mailbox,
        files=files,
    )
    return Sent(message=message, recipient=recipient)
