"""Booking, moving, cancelling and recording what became of an appointment: what is refused
(naming the field), and what the customer's timeline says."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from helpline.appointments import actions
from helpline.appointments.models import Appointment, AppointmentStatus
from helpline.callbacks.models import Callback
from helpline.conversations.models import Channel, Direction
from helpline.conversations.receive import receive
from helpline.core.errors import ActionError
from helpline.core.models import Activity
from helpline.customers.actions import create_customer, merge, unmerge
from tests.appointments.conftest import as_if_past, next_weekday, utc
from tests.conftest import email_from

pytestmark = pytest.mark.django_db


def notes(conversation) -> list[str]:
    return list(
        conversation.messages.filter(direction=Direction.NOTE)
        .order_by("created_at", "id")
        .values_list("text", flat=True)
    )


def refused(field: str, call, *args, **kwargs) -> str:
    with pytest.raises(ActionError) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field, str(caught.value)
    return str(caught.value)


def test_booking_on_a_conversation(maria_conversation, maria, agent_north):
    monday = next_weekday(0, 10)

    appointment = actions.book(
        agent_north,
        maria,
        "in_store",
        monday,
        agent=agent_north,
        conversation=maria_conversation,
        note="Bring the receipt",
    )

    assert appointment.status == AppointmentStatus.BOOKED
    assert (appointment.starts_at, appointment.ends_at) == (
        utc(monday),
        utc(monday) + timedelta(minutes=30),
    )
    assert appointment.location == maria_conversation.location
    assert appointment.sequence == 0 and appointment.uid.endswith("@helpline.local")
    assert appointment.created_by == agent_north and appointment.reminder_sent_at is None
    (note,) = notes(maria_conversation)
    assert note.startswith("Appointment booked: in-store appointment at North Street, Monday")
    assert "10:00–10:30 (Europe/London time), with Nora" in note
    assert "Note: Bring the receipt" in note
    assert "Invitation queued for maria@example.com." in note
    activity = Activity.objects.get(verb=actions.BOOKED)
    assert activity.subject_id == appointment.pk and activity.actor == agent_north


def test_booking_without_a_conversation_starts_one(north, agent_north, office_hours):
    olga = create_customer(
        None, name="Olga Berg", location=north, identities=[("phone", "07700 900123")]
    )

    appointment = actions.book(
        agent_north, olga, "callback", next_weekday(1, 11), phone_number="07700 900123"
    )

    conversation = appointment.conversation
    assert conversation.customer == olga and conversation.channel == Channel.PHONE
    assert conversation.location == north and conversation.subject == "Callback at North Street"
    assert appointment.phone_number == "+447700900123"  # E.164, by the location's country
    (note,) = notes(conversation)
    assert "callback to +447700900123 at North Street" in note
    assert "No invitation sent: the customer has no email address." in note


def test_no_mailbox_means_no_invitation_and_the_timeline_says_why(south, agent_south):
    sven = create_customer(
        None, name="Sven", location=south, identities=[("email", "sven@example.de")]
    )
    appointment = actions.book(agent_south, sven, "in_store", timezone.now() + timedelta(days=3))
    assert appointment.status == AppointmentStatus.BOOKED
    (note,) = notes(appointment.conversation)
    assert "No invitation sent: no mailbox sends mail for South Mall." in note
    assert not appointment.conversation.messages.filter(direction=Direction.OUTBOUND).exists()


def test_what_booking_refuses(maria, maria_conversation, agent_north, agent_south, south):
    monday = next_weekday(0, 10)
    book = actions.book

    assert "passed" in refused(
        "starts_at", book, agent_north, maria, "in_store", timezone.now() - timedelta(minutes=5)
    )
    saturday = next_weekday(5, 10)
    assert "not open" in refused("starts_at", book, agent_north, maria, "in_store", saturday)
    # 16:45 + 30 minutes runs past closing: the whole slot must be open.
    late = monday.replace(hour=16, minute=45)
    assert "not open" in refused("starts_at", book, agent_north, maria, "in_store", late)
    naive = monday.replace(tzinfo=None)
    refused("starts_at", book, agent_north, maria, "in_store", naive)
    refused("kind", book, agent_north, maria, "house_call", monday)
    refused("phone_number", book, agent_north, maria, "callback", monday)
    refused("phone_number", book, agent_north, maria, "callback", monday, phone_number="call me")
    refused("agent", book, agent_north, maria, "in_store", monday, agent=agent_south)
    someone_else = create_customer(None, name="Otto", location=maria.location)
    refused(
        "conversation",
        book,
        agent_north,
        someone_else,
        "in_store",
        monday,
        conversation=maria_conversation,
    )
    nowhere = create_customer(None, name="Nobody")
    refused("location", book, agent_north, nowhere, "in_store", monday)
    old_maria = create_customer(None, name="Old Maria", location=maria.location)
    merge(None, old_maria, maria)
    refused("customer", book, agent_north, old_maria, "in_store", monday)
    assert not Appointment.objects.exists()


def test_an_agent_is_not_booked_twice_at_once(maria, north, agent_north, admin):
    monday = next_weekday(0, 10)
    first = actions.book(agent_north, maria, "in_store", monday, agent=agent_north)
    olga = create_customer(None, name="Olga", location=north)

    message = refused(
        "starts_at",
        actions.book,
        agent_north,
        olga,
        "in_store",
        monday + timedelta(minutes=15),
        agent=agent_north,
    )

    assert "Nora already has an appointment then" in message
    # Someone else may take it, or Nora once the first is cancelled; back to back is fine.
    actions.book(agent_north, olga, "in_store", monday + timedelta(minutes=15), agent=admin)
    actions.book(agent_north, olga, "in_store", monday + timedelta(minutes=30), agent=agent_north)
    actions.cancel(agent_north, first)
    actions.book(agent_north, olga, "in_store", monday, agent=agent_north)
    assert Appointment.objects.filter(status="booked").count() == 3


def test_rescheduling_moves_it_and_says_so(maria, agent_north):
    monday = next_weekday(0, 10)
    appointment = actions.book(agent_north, maria, "in_store", monday, agent=agent_north)

    moved = actions.reschedule(agent_north, appointment, monday + timedelta(days=1, hours=4))

    assert moved.starts_at == utc(monday + timedelta(days=1, hours=4))
    assert moved.ends_at - moved.starts_at == timedelta(minutes=30)
    assert moved.sequence == 1
    last = notes(moved.conversation)[-1]
    assert last.startswith("Appointment moved from in-store appointment at North Street, Monday")
    assert "to Tuesday" in last and "14:00–14:30" in last
    assert "Updated invitation queued for maria@example.com." in last
    refused("starts_at", actions.reschedule, agent_north, moved, moved.starts_at)
    refused("starts_at", actions.reschedule, agent_north, moved, next_weekday(6, 10))


def test_rescheduling_may_not_land_on_the_agents_other_appointment(maria, north, agent_north):
    monday = next_weekday(0, 10)
    actions.book(agent_north, maria, "in_store", monday, agent=agent_north)
    olga = create_customer(None, name="Olga", location=north)
    other = actions.book(
        agent_north, olga, "in_store", monday + timedelta(hours=2), agent=agent_north
    )

    refused("starts_at", actions.reschedule, agent_north, other, monday)
    # Moving within its own time is no clash with itself.
    actions.reschedule(agent_north, other, monday + timedelta(hours=2, minutes=15))


def test_cancelling(maria, agent_north):
    appointment = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))

    cancelled = actions.cancel(agent_north, appointment, "Customer fixed it herself")

    assert cancelled.status == AppointmentStatus.CANCELLED and cancelled.sequence == 1
    assert cancelled.cancel_reason == "Customer fixed it herself"
    last = notes(cancelled.conversation)[-1]
    assert last.startswith("Appointment cancelled (Customer fixed it herself): in-store")
    assert "Cancellation queued for maria@example.com." in last
    refused("status", actions.cancel, agent_north, cancelled)
    refused("starts_at", actions.reschedule, agent_north, cancelled, next_weekday(1, 10))
    refused("outcome", actions.record_outcome, agent_north, cancelled, "attended")


def test_a_missed_appointment_stays_missed_on_its_status_and_the_timeline(maria, agent_north):
    appointment = actions.book(
        agent_north, maria, "callback", next_weekday(0, 10), phone_number="+447700900123"
    )
    assert "not started" in refused(
        "outcome", actions.record_outcome, agent_north, appointment, "missed"
    )
    as_if_past(appointment)

    missed = actions.record_outcome(agent_north, appointment, "missed")

    missed.refresh_from_db()
    assert missed.status == AppointmentStatus.MISSED
    assert missed.outcome_by == agent_north and missed.outcome_at is not None
    assert notes(missed.conversation)[-1].startswith(
        "Appointment missed: callback to +447700900123"
    )
    assert not Callback.objects.exists()  # a missed callback queues no call back by itself
    refused("outcome", actions.record_outcome, agent_north, missed, "attended")
    refused("outcome", actions.record_outcome, agent_north, missed, "maybe")


def test_attended_may_be_recorded_when_the_customer_comes_early(maria, agent_north):
    appointment = actions.book(agent_north, maria, "in_store", next_weekday(0, 10))
    attended = actions.record_outcome(agent_north, appointment, "attended")
    assert attended.status == AppointmentStatus.ATTENDED
    assert notes(attended.conversation)[-1].startswith("Appointment attended: in-store")
    assert Activity.objects.filter(verb=actions.OUTCOME_RECORDED, data__outcome="attended").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_bookings_of_one_agent_at_once_make_one(north, agent_north, office_hours):
    customers = [create_customer(None, name=f"C{i}", location=north) for i in range(2)]
    monday = next_weekday(0, 10)
    start = threading.Barrier(2)
    outcomes: list = [None, None]

    def book(slot: int) -> None:
        try:
            start.wait()
            try:
                outcomes[slot] = actions.book(
                    agent_north,
                    customers[slot],
                    "in_store",
                    monday + timedelta(minutes=10 * slot),
                    agent=agent_north,
                )
            except ActionError as exc:
                outcomes[slot] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["ActionError", "Appointment"]
    assert Appointment.objects.filter(agent=agent_north, status="booked").count() == 1


def test_appointments_follow_their_conversation_through_a_merge_and_its_undoing(
    agent_north, maria, maria_conversation, mailbox
):
    booked = actions.book(
        agent_north, maria, "in_store", next_weekday(1, 10), conversation=maria_conversation
    )
    from_work = receive(email_from("m.lopez@work.example", subject="Hi", mailbox=mailbox))
    work_customer = from_work.message.conversation.customer

    merged = merge(agent_north, maria, into=work_customer)
    booked.refresh_from_db()
    assert booked.customer == work_customer

    unmerge(agent_north, merged)
    booked.refresh_from_db()
    assert booked.customer == maria
