"""A booked appointment's conversation waits for it: assigned to the agent booked, pending until
the appointment starts (no resolution clock runs), reopening itself then. Its timeline says what
the outbox really did with the invitation: queued, then sent or failed, from a real SMTP server."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from helpline.appointments import actions
from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.channels.email.tasks import send_outbound
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Conversation, Direction, Status
from helpline.core.events import deliver_due
from helpline.customers.actions import create_customer
from helpline.sla.models import SlaPolicy
from tests.appointments.conftest import next_weekday, utc
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


def notes(conversation) -> list[str]:
    return list(
        conversation.messages.filter(direction=Direction.NOTE)
        .order_by("created_at", "id")
        .values_list("text", flat=True)
    )


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def invitation(appointment) -> OutboundEmail:
    return OutboundEmail.objects.get(
        message__meta__appointment_id=appointment.pk,
        message__meta__automatic="appointment_invitation",
    )


@pytest.fixture
def resolution_policy(db):
    return SlaPolicy.objects.create(name="Everything", resolution_minutes=240)


def test_a_booking_without_a_conversation_is_the_agents_and_pending_until_it_starts(
    north, agent_north, office_hours, resolution_policy
):
    olga = create_customer(
        None, name="Olga Berg", location=north, identities=[("phone", "07700 900123")]
    )
    tuesday = next_weekday(1, 11)

    appointment = actions.book(
        agent_north, olga, "callback", tuesday, agent=agent_north, phone_number="07700 900123"
    )

    conversation = fresh(appointment.conversation)
    assert conversation.assignee == agent_north
    assert conversation.status == Status.PENDING and conversation.pending_until == utc(tuesday)
    assert conversation.sla_policy == resolution_policy
    assert conversation.resolution_due_at is None and conversation.sla_due_at is None
    assert conversation.paused_at is not None

    assert conversation_actions.reopen_due_pending(now=utc(tuesday) - timedelta(minutes=1)) == 0
    assert conversation_actions.reopen_due_pending(now=utc(tuesday)) == 1
    started = fresh(conversation)
    assert started.status == Status.OPEN and started.assignee == agent_north
    assert started.resolution_due_at is not None  # the clock runs again, from where it stopped


def test_a_booking_on_a_conversation_keeps_its_assignee_and_waits(
    maria_conversation, maria, agent_north, lead
):
    conversation_actions.assign(lead, maria_conversation, assignee=lead)
    monday = next_weekday(0, 10)

    actions.book(
        agent_north, maria, "in_store", monday, agent=agent_north, conversation=maria_conversation
    )

    waiting = fresh(maria_conversation)
    assert waiting.assignee == lead  # someone already follows it: not taken from them
    assert waiting.status == Status.PENDING and waiting.pending_until == utc(monday)


def test_moving_the_appointment_moves_the_wait_and_cancelling_ends_it(
    maria_conversation, maria, agent_north
):
    monday, tuesday = next_weekday(0, 10), next_weekday(1, 14)
    appointment = actions.book(
        agent_north, maria, "in_store", monday, agent=agent_north, conversation=maria_conversation
    )
    assert fresh(maria_conversation).assignee == agent_north

    actions.reschedule(agent_north, appointment, tuesday)
    assert fresh(maria_conversation).pending_until == utc(tuesday)

    actions.cancel(agent_north, appointment, "She fixed it herself")
    back = fresh(maria_conversation)
    assert back.status == Status.OPEN and back.pending_until is None


def test_a_conversation_pending_for_something_else_is_left_alone_by_a_cancellation(
    maria_conversation, maria, agent_north
):
    appointment = actions.book(
        agent_north, maria, "in_store", next_weekday(0, 10), conversation=maria_conversation
    )
    later = timezone.now() + timedelta(days=30)
    conversation_actions.set_status(agent_north, maria_conversation, "pending", pending_until=later)
    actions.cancel(agent_north, appointment)
    kept = fresh(maria_conversation)
    assert kept.status == Status.PENDING and kept.pending_until == later


def test_the_timeline_says_queued_then_sent(maria_conversation, maria, agent_north, smtp_server):
    appointment = actions.book(
        agent_north, maria, "in_store", next_weekday(0, 10), conversation=maria_conversation
    )
    (booked,) = notes(maria_conversation)
    assert "Invitation queued for maria@example.com." in booked
    assert "sent" not in booked

    assert send_outbound(invitation(appointment).pk) == OutboxStatus.SENT
    assert smtp_server.wait_for(1)[0].rcpt_tos == ["maria@example.com"]
    assert notes(maria_conversation) == [booked]  # the appointment learns it from the bus
    deliver_due()

    assert notes(maria_conversation) == [booked, "Invitation sent to maria@example.com."]
    deliver_due()  # at least once: said once
    assert len(notes(maria_conversation)) == 2


class RefusingInbox:
    """A real SMTP server that refuses every mail."""

    async def handle_DATA(self, server, session, envelope):
        return "554 5.7.1 Message rejected as spam"


@pytest.fixture
def refusing_smtp_server(settings):
    controller = Controller(RefusingInbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.HELPLINE_OUTBOX_MAX_ATTEMPTS = 2
    try:
        yield
    finally:
        controller.stop()


def test_the_timeline_says_failed_only_after_the_last_try(
    maria_conversation, maria, agent_north, refusing_smtp_server
):
    appointment = actions.book(
        agent_north, maria, "in_store", next_weekday(0, 10), conversation=maria_conversation
    )
    outbound = invitation(appointment)

    assert send_outbound(outbound.pk) == OutboxStatus.PENDING  # it will try again
    deliver_due()
    (booked,) = notes(maria_conversation)
    assert "Invitation queued for maria@example.com." in booked

    OutboundEmail.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now())
    assert send_outbound(outbound.pk) == OutboxStatus.FAILED
    deliver_due()

    failed = notes(maria_conversation)[-1]
    assert failed.startswith("Invitation to maria@example.com could not be sent: ")
    assert "Message rejected as spam" in failed
