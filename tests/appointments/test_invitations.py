"""The customer's invitation reaches a real SMTP server through the outbox task, with an
iCalendar file their calendar understands; a move sends SEQUENCE+1 and a cancellation
METHOD:CANCEL, all under the same UID."""

import email
from datetime import UTC, datetime, timedelta
from email import policy

import icalendar
import pytest
from django.core.files.base import ContentFile

from helpline.appointments import actions
from helpline.channels.email.models import OutboundEmail
from helpline.channels.email.tasks import send_outbound
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Attachment, Delivery, Direction
from helpline.conversations.receive import receive
from helpline.customers import actions as customer_actions
from helpline.customers.actions import create_customer
from tests.appointments.conftest import next_weekday, utc
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def mail_for(appointment, purpose: str) -> OutboundEmail:
    return OutboundEmail.objects.select_related("message").get(
        message__meta__appointment_id=appointment.pk,
        message__meta__automatic=f"appointment_{purpose}",
    )


def deliver(outbound: OutboundEmail, smtp_server, count: int):
    """Send it as the worker does (the Celery task's own code), then read what arrived."""
    assert send_outbound(outbound.pk) == "sent"
    envelope = smtp_server.wait_for(count)[count - 1]
    return envelope, email.message_from_bytes(envelope.original_content, policy=policy.default)


def calendar_of(mail) -> tuple[email.message.EmailMessage, icalendar.Calendar]:
    (part,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    return part, icalendar.Calendar.from_ical(part.get_content())


def test_the_invitation_arrives_with_a_calendar_file(
    maria_conversation, maria, agent_north, smtp_server
):
    monday = next_weekday(0, 10)
    appointment = actions.book(
        agent_north, maria, "in_store", monday, conversation=maria_conversation
    )
    outbound = mail_for(appointment, "invitation")

    envelope, mail = deliver(outbound, smtp_server, 1)

    assert envelope.rcpt_tos == ["maria@example.com"]
    assert mail["From"] == "Shop Support <support@shop.test>"
    assert mail["Subject"].startswith("Appointment booked: Mon ")
    assert mail["Subject"].endswith(f"10:00 [#{maria_conversation.pk}]")
    assert mail["In-Reply-To"] == "<kettle@customer.example>"  # threaded with her mail
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Maria," in text
    assert (
        f"When:  {monday:%A} {monday.day} {monday:%B %Y}, 10:00–10:30 (Europe/London time)" in text
    )
    assert "Where: North Street" in text

    part, calendar = calendar_of(mail)
    assert part.get_param("method") == "REQUEST" and part.get_content_charset() == "utf-8"
    assert part.get_filename() == "invite.ics"
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == appointment.uid
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == utc(monday)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == utc(monday) + timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "Appointment at North Street"
    assert str(event["LOCATION"]) == "North Street"
    assert str(event["ORGANIZER"]) == "mailto:support@shop.test"
    assert str(event["ATTENDEE"]) == "mailto:maria@example.com"
    assert event["ATTENDEE"].params["CN"] == "Maria López"

    # On her timeline: the mail, sent, with the calendar file the desk can show.
    message = outbound.message
    message.refresh_from_db()
    assert message.direction == Direction.OUTBOUND and message.delivery == Delivery.SENT
    assert message.conversation_id == maria_conversation.pk
    (attachment,) = message.attachments.all()
    assert attachment.content_type == "text/calendar; method=REQUEST; charset=utf-8"


def test_a_move_sends_the_next_sequence_and_a_cancellation_cancels(maria, agent_north, smtp_server):
    monday = next_weekday(0, 10)
    appointment = actions.book(agent_north, maria, "callback", monday, phone_number="+447700900123")
    deliver(mail_for(appointment, "invitation"), smtp_server, 1)

    actions.reschedule(agent_north, appointment, monday + timedelta(hours=3))
    _, moved = deliver(mail_for(appointment, "update"), smtp_server, 2)
    actions.cancel(agent_north, appointment, "No longer needed")
    _, cancelled = deliver(mail_for(appointment, "cancellation"), smtp_server, 3)

    assert moved["Subject"].startswith("Appointment moved: ")
    _, update = calendar_of(moved)
    (event,) = update.walk("VEVENT")
    assert update["METHOD"] == "REQUEST"
    assert (str(event["UID"]), event["SEQUENCE"]) == (appointment.uid, 1)
    assert event.decoded("DTSTART") == utc(monday + timedelta(hours=3))
    assert str(event["LOCATION"]) == "By phone: North Street calls you on +447700900123"
    assert str(event["SUMMARY"]) == "Call back from North Street"

    assert cancelled["Subject"].startswith("Appointment cancelled: ")
    part, cancellation = calendar_of(cancelled)
    (event,) = cancellation.walk("VEVENT")
    assert part.get_param("method") == "CANCEL" and part.get_filename() == "cancel.ics"
    assert cancellation["METHOD"] == "CANCEL"
    assert (str(event["UID"]), event["SEQUENCE"]) == (appointment.uid, 2)
    assert str(event["STATUS"]) == "CANCELLED"
    assert "No longer needed" not in cancelled.get_body(("plain",)).get_content()  # kept inside


def test_a_conversation_without_a_mailbox_takes_its_locations(north, mailbox, agent_north):
    olga = create_customer(
        None, name="Olga", location=north, identities=[("email", "olga@example.com")]
    )
    appointment = actions.book(agent_north, olga, "in_store", datetime.now(UTC) + timedelta(days=3))

    outbound = mail_for(appointment, "invitation")
    assert outbound.from_header == "Shop Support <support@shop.test>"
    assert outbound.to == ["olga@example.com"]
    appointment.conversation.refresh_from_db()
    assert appointment.conversation.mailbox == mailbox  # kept, as a reply keeps it


def test_the_outbox_attaches_a_messages_files_but_not_inline_ones(
    maria_conversation, agent_north, smtp_server
):
    message = conversation_actions.reply(agent_north, maria_conversation, "The quote is attached.")
    for filename, content_type, inline in [
        ("Quote ü.pdf", "application/pdf", False),
        ("logo.png", "image/png", True),
    ]:
        attachment = Attachment(
            message=message, filename=filename, content_type=content_type, inline=inline
        )
        attachment.file.save("file", ContentFile(b"%PDF-1.4 quote"), save=False)
        attachment.save()

    _, mail = deliver(message.outbound, smtp_server, 1)

    (part,) = list(mail.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "Quote ü.pdf"
    assert part.get_content() == b"%PDF-1.4 quote"
    assert "The quote is attached." in mail.get_body(("plain",)).get_content()


def test_the_invitation_is_in_the_customers_language(
    maria_conversation, maria, agent_north, smtp_server
):
    customer_actions.update_customer(agent_north, maria, language="de")
    monday = next_weekday(0, 10)
    appointment = actions.book(
        agent_north, maria, "in_store", monday, conversation=maria_conversation
    )

    _, mail = deliver(mail_for(appointment, "invitation"), smtp_server, 1)

    assert mail["Subject"].startswith("Termin gebucht: Mo ")
    text = mail.get_body(("plain",)).get_content()
    assert "Hallo Maria," in text
    assert "Ihr Termin bei North Street ist gebucht." in text
    month = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ][monday.month - 1]
    assert f"Wann: Montag, {monday.day}. {month} {monday.year}, 10:00–10:30 Uhr" in text
    _, calendar = calendar_of(mail)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Termin bei North Street"


def test_an_invitation_reads_the_language_from_the_customers_own_words(
    north, mailbox, office_hours, agent_north, smtp_server
):
    inbound = email_from(
        "lucia@example.es",
        name="Lucía Gómez",
        subject="Cafetera",
        text="Hola, mi cafetera no funciona desde ayer. ¿Puedo llevarla a la tienda?",
        location=north,
        mailbox=mailbox,
    )
    conversation = receive(inbound).message.conversation
    appointment = actions.book(
        agent_north,
        conversation.customer,
        "in_store",
        next_weekday(1, 11),
        conversation=conversation,
    )

    _, mail = deliver(mail_for(appointment, "invitation"), smtp_server, 1)

    assert mail["Subject"].startswith("Cita reservada: mar ")
    assert "Su cita en North Street está reservada." in mail.get_body(("plain",)).get_content()
    conversation.customer.refresh_from_db()
    assert conversation.customer.language == "es"
