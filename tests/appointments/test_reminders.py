"""The reminder: once per booked appointment, HELPLINE_APPOINTMENT_REMINDER_HOURS before it,
however often (or however many workers at once) the beat task runs."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from helpline.appointments import actions, tasks
from helpline.appointments.models import Appointment
from helpline.channels.email.models import OutboundEmail
from helpline.conversations.models import Message
from helpline.core.models import Activity, Location, Mailbox
from helpline.customers.actions import create_customer
from tests.appointments.conftest import next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(agent_north):
    """Anna, a customer of the airport shop, which never closes and has its own mailbox."""
    airport = Location.objects.create(name="Airport", timezone="Europe/London", country="GB")
    Mailbox.objects.create(address="airport@shop.test", name="Airport Shop", location=airport)
    agent_north.locations.add(airport)
    return create_customer(
        None, name="Anna Airport", location=airport, identities=[("email", "anna@example.com")]
    )


def reminders(appointment=None):
    mails = OutboundEmail.objects.filter(message__meta__automatic="appointment_reminder")
    if appointment is not None:
        mails = mails.filter(message__meta__appointment_id=appointment.pk)
    return mails


def test_the_reminder_goes_once_within_the_window(maria, agent_north):
    appointment = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))
    assert appointment.reminder_sent_at is None

    too_early = actions.send_due_reminders(appointment.starts_at - timedelta(hours=25))
    due = actions.send_due_reminders(appointment.starts_at - timedelta(hours=23))
    again = actions.send_due_reminders(appointment.starts_at - timedelta(hours=22))

    assert (too_early, due, again) == (0, 1, 0)
    (mail,) = reminders(appointment)
    assert mail.to == ["maria@example.com"]
    assert mail.subject.startswith("Reminder: your appointment ")
    message = mail.message
    assert message.text.startswith(
        "Hello Maria,\n\nA reminder of your appointment at North Street."
    )
    assert message.author is None and not message.attachments.exists()
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None
    assert Activity.objects.filter(verb=actions.REMINDED, subject_id=appointment.pk).count() == 1


def test_the_beat_task_is_scheduled_and_safe_to_run_twice(maria, agent_north):
    schedule = settings.CELERY_BEAT_SCHEDULE["appointment-reminders"]
    assert schedule["task"] == tasks.send_appointment_reminders.name
    assert schedule["schedule"] == 300.0
    appointment = actions.book(agent_north, maria, "in_store", next_weekday(1, 10))
    Appointment.objects.filter(pk=appointment.pk).update(reminder_sent_at=None)
    # Time passes: the appointment is now two hours away.
    starts_at = timezone.now() + timedelta(hours=2)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30)
    )

    assert tasks.send_appointment_reminders() == 1
    assert tasks.send_appointment_reminders() == 0
    assert reminders(appointment).count() == 1


def test_booked_inside_the_window_the_invitation_is_reminder_enough(anna, agent_north):
    appointment = actions.book(agent_north, anna, "in_store", timezone.now() + timedelta(hours=3))
    assert appointment.reminder_sent_at is not None
    assert actions.send_due_reminders() == 0
    assert not reminders().exists()


def test_a_move_out_of_the_window_reminds_again_and_a_cancelled_one_never(anna, agent_north):
    soon = actions.book(agent_north, anna, "in_store", timezone.now() + timedelta(hours=3))
    moved = actions.reschedule(agent_north, soon, timezone.now() + timedelta(days=4))
    assert moved.reminder_sent_at is None
    olga = create_customer(
        None, name="Olga", location=anna.location, identities=[("email", "o@example.com")]
    )
    dropped = actions.book(agent_north, olga, "in_store", moved.starts_at + timedelta(hours=1))
    actions.cancel(agent_north, dropped)

    assert actions.send_due_reminders(moved.starts_at - timedelta(hours=1)) == 1
    assert reminders(moved).count() == 1 and not reminders(dropped).exists()


def test_a_customer_without_email_is_marked_reminded_without_mail(north, agent_north):
    olga = create_customer(None, name="Olga", location=north)
    appointment = actions.book(agent_north, olga, "in_store", timezone.now() + timedelta(days=2))

    assert actions.send_due_reminders(appointment.starts_at - timedelta(hours=1)) == 1
    assert actions.send_due_reminders(appointment.starts_at - timedelta(hours=1)) == 0
    reminded = Activity.objects.get(verb=actions.REMINDED)
    assert reminded.data["not_sent_because"] == "the customer has no email address"
    assert not Message.objects.filter(meta__automatic="appointment_reminder").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_workers_at_once_send_each_reminder_once(north, mailbox, agent_north):
    customers = [
        create_customer(
            None, name=f"Customer {i}", location=north, identities=[("email", f"c{i}@example.com")]
        )
        for i in range(10)
    ]
    later = timezone.now() + timedelta(days=2)
    booked = [
        actions.book(agent_north, customer, "in_store", later + timedelta(minutes=30 * i))
        for i, customer in enumerate(customers)
    ]
    now = later - timedelta(hours=1)
    start = threading.Barrier(2)
    claimed = [0, 0]

    def run(slot: int) -> None:
        try:
            start.wait()
            claimed[slot] = actions.send_due_reminders(now)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert claimed[0] + claimed[1] == 10
    for appointment in booked:
        assert reminders(appointment).count() == 1
