"""What the customer is sent about an appointment: an invitation with an iCalendar file, its
updates and cancellation, and a reminder.

Each is an outbound email Message on the appointment's conversation (so it is on the
timeline), queued in the email outbox in the caller's transaction. The calendar file is
stored as the message's attachment; the outbox attaches it as text/calendar. Calendars
know the event by its UID and take the highest SEQUENCE as the latest word on it.

The mail and the calendar's words are in the customer's language (`mail_language`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from helpline.appointments.models import Appointment, Kind
from helpline.appointments.slots import zone_of
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Conversation, Direction, Message
from helpline.conversations.receive import IncomingAttachment
from helpline.core.models import Mailbox, User
from helpline.customers.actions import mail_language

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PRODID = "-//Helpline//Appointments//EN"
# Outlook and Gmail recognise an invitation by the method in the part's content type.
CALENDAR_CONTENT_TYPE = "text/calendar; method={method}; charset=utf-8"

INVITATION, UPDATE, CANCELLATION, REMINDER = "invitation", "update", "cancellation", "reminder"

# %(what)s is what_text(): "appointment at Berlin Mitte" or "call back from Berlin Mitte".
OPENINGS = {
    INVITATION: gettext_lazy("Your %(what)s is booked."),
    UPDATE: gettext_lazy("Your %(what)s has moved to a new time."),
    CANCELLATION: gettext_lazy("Your %(what)s is cancelled."),
    REMINDER: gettext_lazy("A reminder of your %(what)s."),
}
SUBJECTS = {
    INVITATION: gettext_lazy("Appointment booked: %(when)s"),
    UPDATE: gettext_lazy("Appointment moved: %(when)s"),
    CANCELLATION: gettext_lazy("Appointment cancelled: %(when)s"),
    REMINDER: gettext_lazy("Reminder: your appointment %(when)s"),
}
CLOSINGS = {
    INVITATION: gettext_lazy(
        "The invitation for your calendar is attached. If the time does not suit you, "
        "reply to this email."
    ),
    UPDATE: gettext_lazy("The updated invitation for your calendar is attached."),
    CANCELLATION: gettext_lazy(
        "Your calendar is told by the attached file. Reply to this email to book another time."
    ),
    REMINDER: gettext_lazy("If you cannot make it, reply to this email."),
}
# Django's date format letters: l weekday, j day, F month, Y year; D and M abbreviated.
LONG_DATE = pgettext_lazy("appointment mail date", "l j F Y")
SHORT_DATE = pgettext_lazy("appointment mail subject date", "D j M Y H:i")


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
    return gettext("%(date)s, %(starts)s–%(ends)s (%(zone)s time)") % {
        "date": date_format(starts, str(LONG_DATE)),
        "starts": f"{starts:%H:%M}",
        "ends": f"{ends:%H:%M}",
        "zone": zone,
    }


def short_when(appointment: Appointment) -> str:
    return date_format(local_time(appointment, appointment.starts_at), str(SHORT_DATE))


def what_text(appointment: Appointment) -> str:
    if appointment.kind == Kind.CALLBACK:
        return gettext("call back from %(location)s") % {"location": appointment.location.name}
    return gettext("appointment at %(location)s") % {"location": appointment.location.name}


def where_text(appointment: Appointment) -> str:
    if appointment.kind == Kind.CALLBACK:
        return gettext("By phone: %(location)s calls you on %(number)s") % {
            "location": appointment.location.name,
            "number": appointment.phone_number,
        }
    return appointment.location.name


def body(appointment: Appointment, purpose: str, customer_name: str) -> str:
    """The mail in the active language."""
    greeting = (
        gettext("Hello %(name)s,") % {"name": customer_name} if customer_name else gettext("Hello,")
    )
    lines = [
        greeting,
        "",
        str(OPENINGS[purpose]) % {"what": what_text(appointment)},
        "",
        gettext("When:  %(when)s") % {"when": when_text(appointment)},
        gettext("Where: %(where)s") % {"where": where_text(appointment)},
        "",
        str(CLOSINGS[purpose]),
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
    language = mail_language(appointment.customer, _their_words(conversation))
    with translation.override(language):
        files = []
        if purpose != REMINDER:
            method = CANCEL if purpose == CANCELLATION else REQUEST
            data = calendar_file(appointment, method, mailbox, recipient)
            filename = "cancel.ics" if method == CANCEL else "invite.ics"
            content_type = CALENDAR_CONTENT_TYPE.format(method=method)
            files.append(IncomingAttachment(filename, content_type, data))
        subject = str(SUBJECTS[purpose]) % {"when": short_when(appointment)}
        text = body(appointment, purpose, appointment.customer.first_name)
    message = conversation_actions.send_mail(
        actor if purpose != REMINDER else None,
        conversation,
        text,
        recipient,
        meta={
            "automatic": f"appointment_{purpose}",
            "appointment_id": appointment.pk,
            "language": language,
        },
        subject=f"{subject} {conversation.token}",
        mailbox=mailbox,
        files=files,
    )
    return Sent(message=message, recipient=recipient)


def _their_words(conversation: Conversation) -> str:
    """The customer's latest message on the conversation, to read their language from."""
    latest = (
        conversation.messages.filter(direction=Direction.INBOUND, author__isnull=True)
        .exclude(text="")
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)
        .first()
    )
    return latest or ""
