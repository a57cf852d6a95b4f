"""Calls recorded as messages on the customer's timeline, through channels.phone.calls."""

from datetime import UTC, datetime

import pytest

from helpline.channels.phone.calls import CallEvent, record_call
from helpline.channels.phone.models import PhoneLine
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Conversation, Direction, Message, Status
from helpline.core.errors import ActionError
from helpline.core.events import EventName
from helpline.core.models import Activity
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer, Identity
from tests.channels.phone.conftest import MARIA, NORTH_NUMBER

pytestmark = pytest.mark.django_db

STARTED = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)


def call_in(call_id="call-1", outcome="missed", from_number=MARIA, **fields) -> CallEvent:
    """Maria calls North Street's line."""
    fields.setdefault("started_at", STARTED)
    return CallEvent(
        provider="pbx",
        call_id=call_id,
        direction="inbound",
        from_number=from_number,
        to_number=NORTH_NUMBER,
        outcome=outcome,
        **fields,
    )


def call_out(call_id="call-2", outcome="answered", to_number=MARIA, **fields) -> CallEvent:
    """North Street calls Maria."""
    fields.setdefault("started_at", STARTED)
    return CallEvent(
        provider="pbx",
        call_id=call_id,
        direction="outbound",
        from_number=NORTH_NUMBER,
        to_number=to_number,
        outcome=outcome,
        **fields,
    )


@pytest.fixture
def maria(north):
    return customer_actions.create_customer(
        None, name="Maria Lopez", location=north, identities=[("phone", MARIA)]
    )


def test_a_national_number_finds_the_customer_it_belongs_to(north_line, maria):
    received = record_call(call_in(from_number="07700 900123"))

    message = received.message
    assert received.created and received.new_conversation
    assert message.identity.value == MARIA
    assert message.conversation.customer == maria
    assert message.conversation.location == north_line.location
    assert (message.channel, message.direction) == ("phone", Direction.INBOUND)
    assert message.external_id == "pbx:call-1"
    assert message.created_at == STARTED
    assert message.conversation.waiting_since == STARTED  # someone has to call back
    assert Customer.objects.count() == 1


def test_a_new_number_is_a_new_customer_of_the_lines_location(north_line, north):
    message = record_call(call_in(from_number="07700 900999", customer_name="Otto")).message

    customer = message.conversation.customer
    assert (customer.name, customer.location) == ("Otto", north)
    assert list(customer.identities.values_list("kind", "value")) == [("phone", "+447700900999")]
    assert message.conversation.subject == "Call from +447700900999"


def test_the_same_call_reported_twice_is_one_message(north_line, maria):
    first = record_call(call_in(outcome="missed"))
    again = record_call(call_in(outcome="missed"))
    later = record_call(call_in(outcome="answered", duration_seconds=60))

    assert not again.created and not later.created
    assert again.message.pk == later.message.pk == first.message.pk
    assert Message.objects.count() == 1
    assert Message.objects.get().text == "Missed call"  # the first final status is kept
    assert Activity.objects.filter(verb="message.received").count() == 1


@pytest.mark.parametrize(
    ("outcome", "extra", "text"),
    [
        ("missed", {}, "Missed call"),
        ("abandoned", {"duration_seconds": 12}, "Abandoned call"),
        (
            "voicemail",
            {"duration_seconds": 45, "recording_url": "https://rec.example/v1"},
            "Voicemail, 45 s (https://rec.example/v1)",
        ),
        (
            "answered",
            {"duration_seconds": 252, "with_agent": True},
            "Answered call, 4 min 12 s, with Nora",
        ),
        ("answered", {"duration_seconds": 120}, "Answered call, 2 min"),
    ],
)
def test_what_an_inbound_call_says(north_line, maria, agent_north, outcome, extra, text):
    extra = dict(extra)
    agent = agent_north if extra.pop("with_agent", False) else None
    message = record_call(call_in(outcome=outcome, agent=agent, **extra)).message

    assert message.text == text
    assert message.author == agent
    assert message.meta == {
        "provider": "pbx",
        "call_id": "call-1",
        "direction": "inbound",
        "outcome": outcome,
        "duration_seconds": extra.get("duration_seconds", 0),
        "recording_url": extra.get("recording_url", ""),
        "agent_id": agent.pk if agent else None,
        "from": MARIA,
        "to": NORTH_NUMBER,
        "line": NORTH_NUMBER,
    }


def test_a_second_call_continues_the_open_phone_conversation(north_line, maria):
    first = record_call(call_in("call-1")).message
    second = record_call(call_in("call-2")).message

    assert second.conversation == first.conversation
    assert Conversation.objects.count() == 1


def test_a_call_after_the_conversation_was_solved_starts_a_new_one(north_line, maria, admin):
    first = record_call(call_in("call-1")).message
    conversation_actions.set_status(admin, first.conversation, Status.SOLVED)

    second = record_call(call_in("call-2")).message

    assert second.conversation != first.conversation
    assert second.conversation.customer == maria


def test_a_withheld_number_is_a_customer_of_its_own(north_line):
    message = record_call(call_in(from_number="anonymous")).message

    assert message.identity is None
    assert message.conversation.subject == "Call from a withheld number"
    assert not Identity.objects.exists()
    record_call(call_in("call-2", from_number=""))
    assert Customer.objects.count() == 2  # nothing says two withheld calls are one person


def test_calling_back_after_a_missed_call_answers_it(north_line, maria, agent_north):
    missed = record_call(call_in("call-1")).message

    received = record_call(call_out("call-2", duration_seconds=95, agent=agent_north))

    callback = received.message
    assert received.created and not received.new_conversation
    assert callback.conversation == missed.conversation
    assert callback.direction == Direction.OUTBOUND
    assert (callback.author, callback.created_at) == (agent_north, STARTED)
    assert callback.text == "Outgoing call, answered, 1 min 35 s, by Nora"
    assert callback.meta["line"] == NORTH_NUMBER and callback.meta["outcome"] == "answered"
    conversation = Conversation.objects.get()
    assert conversation.waiting_since is None
    assert conversation.first_response_at == STARTED
    assert Activity.objects.filter(verb="conversation.contact_logged", actor=agent_north).exists()


def test_calling_back_without_reaching_them_leaves_them_waiting(north_line, maria, agent_north):
    missed = record_call(call_in("call-1")).message

    attempt = record_call(call_out("call-2", outcome="missed", agent=agent_north)).message

    assert attempt.conversation == missed.conversation
    conversation = Conversation.objects.get()
    assert conversation.waiting_since == STARTED  # an attempt is not an answer
    assert conversation.first_response_at is None
    assert conversation.last_message_at == attempt.created_at
    assert missed.wait.answered_at is None


def test_an_outbound_call_to_a_new_number_starts_a_conversation(north_line, north, agent_north):
    received = record_call(call_out(outcome="missed", to_number="07700 900555", agent=agent_north))

    message = received.message
    assert received.new_conversation
    assert message.text == "Outgoing call, not answered, by Nora"
    assert message.conversation.subject == "Call to +447700900555"
    assert message.conversation.location == north
    assert message.conversation.customer.identities.get().value == "+447700900555"
    assert record_call(call_out(outcome="missed", to_number="07700 900555")).created is False


def test_an_outbound_call_needs_the_number_called(north_line):
    with pytest.raises(ActionError) as refused:
        record_call(call_out(to_number="anonymous"))
    assert refused.value.field == "to_number"
    with pytest.raises(ActionError) as refused:
        record_call(call_out(to_number="12"))
    assert refused.value.field == "to_number"
    assert not Message.objects.exists()


def test_a_call_on_a_number_that_is_no_line_has_no_location(db):
    message = record_call(call_in(from_number="+447700900123")).message

    assert message.conversation.location is None
    assert message.meta["line"] is None


def test_a_line_is_stored_in_international_format(north):
    line = PhoneLine(number="020 7183 8750", location=north)
    line.full_clean()
    assert line.number == NORTH_NUMBER


@pytest.fixture
def untaken(heard):
    return heard(EventName.CALL_UNTAKEN)


def test_an_untaken_call_is_published_with_the_call(north_line, maria, untaken):
    message = record_call(call_in("call-1", outcome="voicemail")).message
    assert [(e["message_id"], e["outcome"], e["number"]) for e in untaken] == [
        (message.pk, "voicemail", MARIA)
    ]


def test_only_new_untaken_calls_are_announced(north_line, maria, untaken):
    record_call(call_in("call-1", outcome="answered", duration_seconds=30))
    abandoned = record_call(call_in("call-2", outcome="abandoned")).message
    record_call(call_in("call-2", outcome="abandoned"))
    unanswered = record_call(call_out("call-3", outcome="missed")).message

    callbacks = [(e["message_id"], e["outcome"]) for e in untaken]
    assert callbacks == [(abandoned.pk, "abandoned"), (unanswered.pk, "missed")]


def test_a_missed_call_whose_callback_failed_is_not_forgotten_on_redelivery(
    north_line, maria, monkeypatch, django_capture_on_commit_callbacks
):
    """Before the bus, the call was stored and its callback created after commit: when that
    failed, the phone system's retry found the call "already recorded" and no callback ever
    came. Now both commit together or neither does."""
    from helpline.callbacks import actions as callback_actions
    from helpline.callbacks.models import Callback, CallbackStatus

    create_callback = callback_actions.create_callback
    failures = ["the worklist's database connection dropped"]

    def failing_once(*args, **kwargs):
        if failures:
            raise RuntimeError(failures.pop())
        return create_callback(*args, **kwargs)

    monkeypatch.setattr(callback_actions, "create_callback", failing_once)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        record_call(call_in("call-lost", outcome="missed"))

    with django_capture_on_commit_callbacks(execute=True):  # the phone system retries
        record_call(call_in("call-lost", outcome="missed"))

    callback = Callback.objects.get(phone_number=MARIA)
    assert callback.status == CallbackStatus.OPEN
    assert Message.objects.filter(external_id="pbx:call-lost").count() == 1
