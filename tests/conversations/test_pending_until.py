"""Pending until a moment: no clock runs meanwhile, and the conversation reopens itself then,
through the beat sweep (an action that logs and publishes). "Send and solve" and "Send and set
pending" move a conversation on with the reply."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from helpline.conversations import actions, tasks
from helpline.conversations.models import Conversation, Direction, Status
from helpline.conversations.receive import receive
from helpline.conversations.verbs import Verb
from helpline.core.errors import ActionError
from helpline.core.events import EventName
from helpline.core.models import Activity
from tests.conftest import email_from
from tests.sla.conftest import fresh, policy, received

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def statuses(conversation) -> list[dict]:
    return list(
        Activity.objects.filter(
            verb=Verb.STATUS_CHANGED, subject_type="conversation", subject_id=conversation.pk
        )
        .order_by("id")
        .values("actor_id", "data")
    )


def as_if_due(conversation: Conversation, ago: timedelta = timedelta(minutes=1)) -> None:
    """Time passes: the pending-until moment is `ago` behind us (tests only)."""
    Conversation.objects.filter(pk=conversation.pk).update(pending_until=timezone.now() - ago)


def test_pending_until_stops_the_resolution_clock_and_the_sweep_reopens_it_then(
    north, admin, heard
):
    policy(first_response_minutes=60, resolution_minutes=120)
    conversation = received(north, timezone.now() - timedelta(minutes=30))
    assert conversation.resolution_due_at is not None and conversation.response_due_at
    until = timezone.now() + 3 * HOUR
    changes = heard(EventName.CONVERSATION_STATUS_CHANGED)

    actions.set_status(admin, conversation, Status.PENDING, pending_until=until)

    pending = fresh(conversation)
    assert pending.status == Status.PENDING and pending.pending_until == until
    assert pending.paused_at is not None and pending.waiting_since is None
    assert pending.resolution_due_at is None and pending.response_due_at is None
    assert pending.sla_due_at is None and pending.sla_next_check_at is None
    assert changes[-1]["after"] == "pending"
    assert changes[-1]["pending_until"] == until.isoformat()
    assert statuses(conversation)[-1]["data"]["pending_until"] == until.isoformat()

    assert actions.reopen_due_pending(now=until - timedelta(minutes=1)) == 0
    assert fresh(conversation).status == Status.PENDING
    assert actions.reopen_due_pending(now=until) == 1

    reopened = fresh(conversation)
    assert reopened.status == Status.OPEN and reopened.pending_until is None
    assert reopened.paused_at is None and reopened.resolution_due_at is not None
    assert reopened.resolution_due_at == reopened.created_at + timedelta(
        minutes=120, seconds=reopened.resolution_paused_seconds
    )
    (woke,) = [c for c in changes if c.get("because")]
    assert woke == {
        "conversation_id": conversation.pk,
        "actor_id": None,
        "before": "pending",
        "after": "open",
        "because": "pending_until",
        "pending_until_was": until.isoformat(),
    }
    assert statuses(conversation)[-1] == {
        "actor_id": None,
        "data": {
            "before": "pending",
            "after": "open",
            "because": "pending_until",
            "pending_until_was": until.isoformat(),
        },
    }
    assert actions.reopen_due_pending(now=until + HOUR) == 0  # once


def test_the_beat_task_reopens_what_is_due_and_leaves_the_rest(north, admin):
    due = received(north, timezone.now(), sender="due@example.com")
    later = received(north, timezone.now(), sender="later@example.com")
    solved = received(north, timezone.now(), sender="solved@example.com")
    for conversation in (due, later, solved):
        actions.set_status(admin, conversation, "pending", pending_until=timezone.now() + HOUR)
    as_if_due(due)
    as_if_due(solved)
    actions.solve(admin, solved)  # solved meanwhile: its moment is forgotten

    assert settings.CELERY_BEAT_SCHEDULE["reopen-pending"]["task"] == tasks.reopen_pending_due.name
    assert tasks.reopen_pending_due() == 1

    assert fresh(due).status == Status.OPEN and fresh(due).pending_until is None
    assert fresh(later).status == Status.PENDING and fresh(later).pending_until is not None
    assert fresh(solved).status == Status.SOLVED and fresh(solved).pending_until is None
    assert tasks.reopen_pending_due() == 0


def test_the_customer_writing_ends_the_wait_for_the_moment(north, admin):
    conversation = received(north, timezone.now())
    actions.set_status(admin, conversation, "pending", pending_until=timezone.now() + HOUR)
    receive(email_from("maria@example.com", conversation=fresh(conversation)))
    answered = fresh(conversation)
    assert answered.status == Status.OPEN and answered.pending_until is None
    assert tasks.reopen_pending_due() == 0


def test_what_pending_until_refuses(north, admin):
    conversation = received(north, timezone.now())
    for status, until, field in (
        (Status.PENDING, timezone.now() - timedelta(minutes=1), "that time has passed"),
        (Status.SOLVED, timezone.now() + HOUR, "only a pending conversation"),
    ):
        with pytest.raises(ActionError) as caught:
            actions.set_status(admin, conversation, status, pending_until=until)
        assert caught.value.field == "pending_until" and field in str(caught.value)
    assert fresh(conversation).status == Status.NEW and not statuses(conversation)


def test_moving_the_moment_of_a_pending_conversation_is_a_change(north, admin):
    conversation = received(north, timezone.now())
    first, second = timezone.now() + HOUR, timezone.now() + 2 * HOUR
    actions.set_status(admin, conversation, "pending", pending_until=first)
    actions.set_status(admin, conversation, "pending", pending_until=first)  # nothing new
    actions.set_status(admin, conversation, "pending", pending_until=second)
    actions.set_status(admin, conversation, "pending")  # pending until someone acts
    assert fresh(conversation).pending_until is None
    assert [s["data"].get("pending_until") for s in statuses(conversation)] == [
        first.isoformat(),
        second.isoformat(),
        None,
    ]


@pytest.mark.parametrize("then", [Status.SOLVED, Status.PENDING])
def test_send_and_solve_or_set_pending(north, mailbox, agent_north, then, heard):
    policy(first_response_minutes=60, resolution_minutes=240)
    conversation = received(north, timezone.now(), mailbox=mailbox)
    sent = heard(EventName.MESSAGE_SENT)

    message = actions.reply(agent_north, conversation, "Fixed it for you", then_status=then)

    moved = fresh(conversation)
    assert message.direction == Direction.OUTBOUND and message.outbound.to == ["maria@example.com"]
    assert moved.status == then and message.conversation.status == then
    assert moved.first_response_at is not None and moved.waiting_since is None
    assert moved.sla_due_at is None and moved.paused_at is not None
    assert len(sent) == 1
    verbs = list(
        Activity.objects.filter(subject_type="conversation", subject_id=conversation.pk)
        .exclude(verb__in=[Verb.CREATED, Verb.MESSAGE_RECEIVED])
        .order_by("id")
        .values_list("verb", "actor_id")
    )
    assert verbs == [(Verb.REPLIED, agent_north.pk), (Verb.STATUS_CHANGED, agent_north.pk)]
    assert statuses(conversation)[0]["data"] == {"before": "open", "after": then}


def test_a_reply_moves_on_only_to_solved_or_pending(north, mailbox, agent_north):
    conversation = received(north, timezone.now(), mailbox=mailbox)
    with pytest.raises(ActionError) as caught:
        actions.reply(agent_north, conversation, "Hello", then_status=Status.CLOSED)
    assert caught.value.field == "status"
    assert not fresh(conversation).messages.filter(direction=Direction.OUTBOUND).exists()
