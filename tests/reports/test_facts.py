"""The facts kept from events equal a full recomputation, whatever happened and in
whatever order the deliveries ran; `rebuild-rollups` writes the same rows."""

import contextlib
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone

from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Channel, Conversation, Direction, Status
from helpline.core.events import deliver, deliver_due
from helpline.core.models import EventDelivery, EventDeliveryStatus
from helpline.customers import actions as customer_actions
from helpline.customers.actions import MergeError
from helpline.reports import facts
from helpline.reports.models import ConversationFact
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def _stored() -> dict:
    return {
        row.conversation_id: model_to_dict(row)
        for row in ConversationFact.objects.order_by("conversation_id")
    }


def _recomputed() -> dict:
    ids = Conversation.objects.values_list("pk", flat=True)
    return {row.conversation_id: model_to_dict(row) for row in facts.compute(ids)}


def _deliver_some(rng: random.Random) -> None:
    """Deliver a random part of what is waiting, in a random order."""
    waiting = list(
        EventDelivery.objects.filter(status=EventDeliveryStatus.PENDING).values_list(
            "pk", flat=True
        )
    )
    rng.shuffle(waiting)
    for pk in waiting[: rng.randint(0, len(waiting))]:
        deliver(pk)


def _random_history(rng, north, south, admin, agent_north, mailbox, steps: int) -> None:
    conversations: list[Conversation] = []
    for step in range(steps):
        move = rng.choice(
            [
                "receive",
                "receive",
                "follow_up",
                "reply",
                "reply",
                "solve",
                "reopen",
                "pending",
                "assign",
                "walk_in",
                "merge",
            ]
        )
        live = [c for c in conversations if Conversation.objects.filter(pk=c.pk).exists()]
        conversation = Conversation.objects.get(pk=rng.choice(live).pk) if live else None
        if move == "receive" or conversation is None:
            place = rng.choice([north, north, south])
            sender = f"customer{rng.randint(1, 6)}@example.com"
            conversations.append(
                write_in(
                    place, sender, f"Question {step}", mailbox=mailbox if place == north else None
                )
            )
        elif move == "follow_up":
            sender = (
                conversation.customer.identities.filter(kind="email")
                .values_list("value", flat=True)
                .first()
            )
            if sender:
                write_in(
                    conversation.location,
                    sender,
                    f"Re: {conversation.subject} {conversation.token}",
                )
        elif move == "reply" and conversation.status != Status.CLOSED:
            conversation_actions.reply(admin, conversation, "Thank you, we are on it.")
        elif move == "solve":
            conversation_actions.solve(admin, conversation)
        elif move == "reopen":
            conversation_actions.reopen(admin, conversation)
        elif move == "pending":
            conversation_actions.set_status(admin, conversation, Status.PENDING)
        elif move == "assign" and conversation.location_id == north.pk:
            conversation_actions.assign(admin, conversation, assignee=agent_north)
        elif move == "walk_in" and conversation.status != Status.CLOSED:
            conversation_actions.log_contact(
                admin,
                conversation,
                channel=Channel.WALK_IN,
                text="Came to the counter",
                direction=Direction.INBOUND,
                waited_minutes=rng.randint(0, 20),
            )
        elif move == "merge":
            others = list(
                Conversation.objects.exclude(customer_id=conversation.customer_id).order_by("pk")
            )
            other = rng.choice(others) if others else None
            if other is not None:
                with contextlib.suppress(MergeError):  # e.g. the source was merged already
                    customer_actions.merge(admin, other.customer, conversation.customer)
        if rng.random() < 0.5:
            _deliver_some(rng)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_facts_equal_a_full_recomputation(seed, north, south, admin, agent_north, mailbox):
    rng = random.Random(seed)
    _random_history(rng, north, south, admin, agent_north, mailbox, steps=30)
    deliver_due()
    kept = _stored()
    assert kept == _recomputed()
    assert len(kept) == Conversation.objects.count() > 0
    # Delivered once more (at least once means maybe twice): nothing changes.
    for pk in EventDelivery.objects.filter(handler__startswith="helpline.reports").values_list(
        "pk", flat=True
    )[:20]:
        EventDelivery.objects.filter(pk=pk).update(status=EventDeliveryStatus.PENDING)
        deliver(pk)
    assert _stored() == kept
    # rebuild-rollups from nothing writes the same rows.
    ConversationFact.objects.all().delete()
    call_command("rebuild_rollups", chunk=3)
    assert _stored() == kept


def test_a_reply_and_a_solve_are_counted(north, admin, mailbox):
    conversation = write_in(
        north, "maria@example.com", "Broken kettle", mailbox=mailbox, minutes_ago=30
    )
    conversation_actions.reply(admin, conversation, "Sorry to hear that")
    conversation_actions.solve(admin, conversation)
    deliver_due()
    fact = ConversationFact.objects.get(pk=conversation.pk)
    assert fact.we_started is False
    assert fact.responses == 1
    assert fact.first_response_wall_seconds >= 30 * 60
    assert fact.first_response_business_seconds is not None
    assert fact.solved_at is not None and fact.resolution_wall_seconds >= 30 * 60
    assert fact.reopened is False
    conversation_actions.reopen(admin, conversation)
    deliver_due()
    fact.refresh_from_db()
    assert fact.reopened is True and fact.solved_at is None


def test_pending_time_is_not_resolution_time(north, admin, mailbox):
    conversation = write_in(north, "maria@example.com", "Parcel", mailbox=mailbox, minutes_ago=300)
    past = timezone.now() - timedelta(minutes=240)
    conversation_actions.set_status(admin, conversation, Status.PENDING, at=past)
    conversation_actions.set_status(admin, conversation, Status.SOLVED)
    deliver_due()
    fact = ConversationFact.objects.get(pk=conversation.pk)
    # Five hours open, of which four pending (minus a few seconds of test time).
    assert fact.resolution_wall_seconds < 65 * 60


def test_a_conversation_we_started_counts_from_the_customers_first_message(north, admin, mailbox):
    customer = write_in(north, "maria@example.com", "Earlier", mailbox=mailbox).customer
    conversation = conversation_actions.start_conversation(
        admin, customer, channel=Channel.EMAIL, subject="Your order", location=north
    )
    conversation_actions.reply(admin, conversation, "Your order is ready", mailbox=mailbox)
    deliver_due()
    fact = ConversationFact.objects.get(pk=conversation.pk)
    assert fact.we_started is True
    assert fact.customer_first_at is None and fact.first_response_at is None
    write_in(north, "maria@example.com", f"Re: Your order {conversation.token}")
    conversation_actions.reply(admin, conversation, "See you soon", mailbox=mailbox)
    deliver_due()
    fact.refresh_from_db()
    assert fact.we_started is True and fact.responses == 2
    assert fact.customer_first_at is not None
    assert fact.first_response_at >= fact.customer_first_at
