"""The event bus: in-transaction handlers commit or roll back with their cause; after-commit
handlers are stored with it and delivered later, retried, never touching the cause."""

import pytest

from helpline.channels.email.ingest import ingest, reprocess
from helpline.channels.email.models import RawEmail, RawStatus
from helpline.conversations import actions
from helpline.conversations.models import Conversation, Message
from helpline.core import events
from helpline.core.events import EventName, Phase
from helpline.core.models import Activity, EventDelivery, EventDeliveryStatus
from tests.conftest import email_from
from tests.conftest import raw_mail as mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed():
    """`subscribed(name, handler, phase)` for the length of one test."""
    added = []

    def subscribe(name, handler, phase, **options):
        events.subscribe(name, handler, phase=phase, **options)
        added.append((name, handler))

    yield subscribe
    for name, handler in added:
        events.unsubscribe(name, handler)


class Flaky:
    """A handler that fails until told to stop, counting its calls."""

    def __init__(self):
        self.failing = True
        self.calls = []

    def __call__(self, event):
        self.calls.append(event.payload["message_id"])
        if self.failing:
            raise RuntimeError("the webhook endpoint is down")


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.publish(EventName.NOTE_ADDED, message_id=1, conversation_id=1, actor_id=None)


def test_an_after_commit_handler_runs_from_its_stored_delivery(subscribed, mailbox):
    flaky = Flaky()
    flaky.failing = False
    subscribed(EventName.MESSAGE_RECEIVED, flaky, Phase.AFTER_COMMIT)

    message = ingest(mail(), source="pipe").message

    assert flaky.calls == []  # nothing runs in the cause's transaction
    delivery = EventDelivery.objects.get(handler=events.handler_key(flaky))
    assert delivery.payload["message_id"] == message.pk
    assert events.deliver_due() >= 1
    assert flaky.calls == [message.pk]
    delivery.refresh_from_db()
    assert delivery.status == EventDeliveryStatus.DONE and delivery.delivered_at
    events.deliver_due()
    assert flaky.calls == [message.pk]  # done is done


@pytest.mark.django_db(transaction=True)
def test_a_stored_message_is_never_quarantined_for_a_failing_consumer(mailbox, monkeypatch):
    """Before the bus, a `message_received` receiver that raised after commit reached the
    ingest's error handling, which marked the stored message's raw mail quarantined."""
    from helpline.channels.email import acknowledge

    def broken(*args, **kwargs):
        raise ValueError("acknowledgement template is broken")

    monkeypatch.setattr(acknowledge, "acknowledge", broken)

    result = ingest(mail(), source="pipe")
    events.deliver_due()  # the worker's part

    assert result.status == "stored"
    raw = RawEmail.objects.get()
    assert (raw.status, raw.reason) == (RawStatus.STORED, "")
    assert Message.objects.filter(pk=result.message.pk).exists()
    from helpline.channels.email.handlers import acknowledge_new_conversation

    acknowledging = events.handler_key(acknowledge_new_conversation)
    delivery = EventDelivery.objects.get(name=EventName.MESSAGE_RECEIVED, handler=acknowledging)
    assert delivery.status == EventDeliveryStatus.PENDING  # waits for its retry
    assert delivery.attempts == 1
    assert "acknowledgement template is broken" in delivery.last_error


def test_a_failing_handler_is_retried_with_back_off_then_waits_to_run_again(
    subscribed, settings, mailbox, admin
):
    settings.HELPLINE_EVENT_MAX_ATTEMPTS = 3
    flaky = Flaky()
    subscribed(EventName.MESSAGE_RECEIVED, flaky, Phase.AFTER_COMMIT)
    message = ingest(mail(), source="pipe").message
    delivery = EventDelivery.objects.get(handler=events.handler_key(flaky))

    delays = []
    for _ in range(3):
        EventDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
        events.deliver_due()
        delivery.refresh_from_db()
        delays.append((delivery.next_attempt_at - delivery.created_at).total_seconds())
    assert flaky.calls == [message.pk] * 3
    assert delivery.status == EventDeliveryStatus.FAILED and delivery.attempts == 3
    assert events.deliver_due() == 0  # a failed delivery waits for a person
    assert delays[0] < delays[1]  # each retry waits longer

    flaky.failing = False
    from helpline.core.actions import run_deliveries_again

    assert run_deliveries_again(admin, EventDelivery.objects.filter(pk=delivery.pk)) == 1
    events.deliver_due()
    delivery.refresh_from_db()
    assert delivery.status == EventDeliveryStatus.DONE
    assert Activity.objects.filter(verb="event.redelivered", subject_id=delivery.pk).exists()


def test_a_handler_in_the_transaction_that_raises_rolls_the_cause_back(subscribed, mailbox):
    def refuse(event):
        raise RuntimeError("the SLA clocks could not be computed")

    subscribed(EventName.MESSAGE_RECEIVED, refuse, Phase.IN_TRANSACTION)

    with pytest.raises(RuntimeError):
        ingest(mail(), source="pipe")

    assert not Message.objects.exists() and not Conversation.objects.exists()
    raw = RawEmail.objects.get()  # kept first, in its own transaction
    assert raw.status == RawStatus.RECEIVED  # and waiting to be processed again
    events.unsubscribe(EventName.MESSAGE_RECEIVED, refuse)
    assert reprocess(raw).status == "stored"
    assert Message.objects.count() == 1


def test_an_in_transaction_handler_sees_a_whole_batch_at_once(subscribed, mailbox):
    batches = []
    subscribed(EventName.MESSAGE_RECEIVED, batches.append, Phase.IN_TRANSACTION, many=True)
    from helpline.conversations.receive import receive_many

    receive_many([email_from("a@example.com"), email_from("b@example.com")])

    assert [len(batch) for batch in batches] == [2]


def test_every_event_has_a_name_and_handlers_subscribe_in_their_phase():
    by_key = {s.key: s for s in events.subscriptions()}
    assert by_key["helpline.sla.handlers.refresh_clocks"].phase == Phase.IN_TRANSACTION
    assert by_key["helpline.callbacks.handlers.call_back_untaken_call"].phase == (
        Phase.IN_TRANSACTION
    )
    acknowledge = by_key["helpline.channels.email.handlers.acknowledge_new_conversation"]
    assert acknowledge.phase == Phase.AFTER_COMMIT
    with pytest.raises(ValueError):
        events.subscribe("no.such_event", print, phase=Phase.IN_TRANSACTION)


def test_an_agent_without_the_location_cannot_be_given_a_conversation_without_one(
    agent_north, admin
):
    """The one serving rule: a conversation with no location is for admins only (the desk
    answers 404 to anyone else), so nobody else can be assigned it."""
    from helpline.customers.models import Customer

    customer = Customer.objects.create(name="Walk-in")
    conversation = actions.start_conversation(admin, customer, channel="walk_in")
    assert conversation.location_id is None

    with pytest.raises(actions.ActionError) as refused:
        actions.assign(admin, conversation, assignee=agent_north)
    assert refused.value.field == "assignee"
    assert agent_north not in actions.agents_serving(conversation)
    assert actions.assign(admin, conversation, assignee=admin).assignee == admin


@pytest.mark.django_db(transaction=True)
def test_an_on_commit_handler_runs_after_the_commit_only_and_its_failure_touches_nothing(
    subscribed, mailbox
):
    from django.db import transaction

    seen = []

    def push(batch):
        # After the commit: the message is there for anyone to read.
        seen.append([Message.objects.filter(pk=e["message_id"]).exists() for e in batch])

    def broken(event):
        raise RuntimeError("the channel layer is down")

    subscribed(EventName.MESSAGE_RECEIVED, broken, Phase.ON_COMMIT)
    subscribed(EventName.MESSAGE_RECEIVED, push, Phase.ON_COMMIT, many=True)
    from helpline.conversations.receive import receive_many

    with transaction.atomic():
        receive_many([email_from("a@example.com"), email_from("b@example.com")])
        assert seen == []  # nothing in the transaction
    assert seen == [[True, True]]  # once for the batch, after the commit
    assert Message.objects.count() == 2  # the broken handler changed nothing
    assert not EventDelivery.objects.filter(handler__endswith="broken").exists()  # not stored

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        receive_many([email_from("c@example.com")])
        raise RolledBack
    assert seen == [[True, True]]  # a rolled-back cause runs nothing
    with pytest.raises(ValueError):
        events.subscribe(EventName.NOTE_ADDED, push, phase=Phase.AFTER_COMMIT, many=True)
