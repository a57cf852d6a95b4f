"""A call or visit in which one of us talked with the customer is their contact and our
response at once, on every path; a call nobody took is neither a response nor over."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from helpline.channels.phone.calls import CallEvent, record_call
from helpline.channels.phone.models import PhoneLine
from helpline.conversations import actions
from helpline.conversations.models import Conversation, Status, Wait
from helpline.conversations.receive import receive
from helpline.core.tokens import issue_token
from helpline.customers import actions as customer_actions
from helpline.sla.models import SlaPolicy
from tests.api.conftest import ApiClient
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

LINE = "+442071838750"
MARIA = "+447700900123"


@pytest.fixture(autouse=True)
def first_response_target(north):
    """Every conversation has response targets, so its clock shows what is owed."""
    return SlaPolicy.objects.create(
        name="All", first_response_minutes=60, next_response_minutes=60, resolution_minutes=600
    )


@pytest.fixture
def maria(north):
    return customer_actions.create_customer(
        None, name="Maria Lopez", location=north, identities=[("email", "maria@example.com")]
    )


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def owed(conversation) -> bool:
    """Whether the customer waits for us: the inbox's "Waiting" and a running response clock."""
    conversation = fresh(conversation)
    waiting = conversation.waiting_since is not None
    assert waiting == (conversation.response_due_at is not None)
    return waiting


def test_a_call_logged_with_its_wait_is_answered_and_not_waiting(agent_north, maria, north):
    conversation = actions.start_conversation(
        agent_north, maria, channel="phone", text="Asked about the order", waited_minutes=3
    )

    conversation = fresh(conversation)
    call = conversation.messages.get()
    assert not owed(conversation)
    assert conversation.first_response_at == call.created_at
    assert conversation.status == Status.OPEN
    wait = Wait.objects.get(message=call)
    assert (wait.helped_after_seconds, wait.answered_at) == (180, call.created_at)


def test_a_visit_logged_after_an_unanswered_email_answers_it(agent_north, north):
    conversation = receive(email_from(subject="Broken kettle", location=north)).message.conversation
    assert owed(conversation)

    visit = actions.log_contact(
        agent_north, conversation, channel="walk_in", text="Came in, swapped", direction="inbound"
    )

    assert not owed(conversation)  # no "next response" clock starts
    email_wait = Wait.objects.exclude(message=visit).get()
    assert email_wait.answered_by_id == visit.pk
    assert fresh(conversation).first_response_at == visit.created_at


def test_an_email_after_the_call_waits_again(agent_north, maria):
    conversation = actions.start_conversation(
        agent_north, maria, channel="phone", text="Called", waited_minutes=0
    )
    receive(email_from(text="And another thing", conversation=conversation))
    assert owed(conversation)


@pytest.fixture
def line(north):
    return PhoneLine.objects.create(number=LINE, location=north)


def call(call_id: str, outcome: str, started_at=None) -> CallEvent:
    return CallEvent(
        provider="pbx",
        call_id=call_id,
        direction="inbound",
        from_number=MARIA,
        to_number=LINE,
        outcome=outcome,
        started_at=started_at or timezone.now(),
    )


def test_an_answered_call_from_a_phone_system_is_our_response(line):
    conversation = record_call(call("c-1", "answered")).message.conversation
    assert not owed(conversation)
    assert fresh(conversation).first_response_at is not None


def test_a_missed_call_leaves_the_customer_waiting(line):
    conversation = record_call(call("c-2", "missed")).message.conversation
    assert owed(conversation)
    assert fresh(conversation).first_response_at is None


def test_answering_the_next_call_answers_the_missed_one(line):
    missed = record_call(call("c-3", "missed", timezone.now() - timedelta(minutes=20)))
    answered = record_call(call("c-4", "answered"))

    assert answered.message.conversation_id == missed.message.conversation_id
    assert not owed(missed.message.conversation)
    assert Wait.objects.get(message=missed.message).answered_by_id == answered.message.pk


def test_a_call_reported_late_answers_nothing_that_came_after_it(line, agent_north):
    conversation = record_call(call("c-5", "missed", timezone.now() - timedelta(hours=2)))
    conversation = conversation.message.conversation
    receive(email_from(text="Please call", conversation=conversation))
    late = call("c-6", "answered", datetime.now(UTC) - timedelta(hours=3))

    record_call(late)

    assert owed(conversation)  # the email came after the call: still owed


def test_the_api_reports_a_logged_call_as_answered(agent_north, maria):
    conversation = actions.start_conversation(agent_north, maria, channel="phone")
    api = ApiClient(issue_token(agent_north, "tests"))

    response = api.post(
        f"/conversations/{conversation.pk}/contacts",
        {"channel": "phone", "direction": "inbound", "text": "Helped", "waited_minutes": 3},
    )
    assert response.status_code == 201, response.content
    body = api.get(f"/conversations/{conversation.pk}").json()
    assert body["waiting_since"] is None
    assert body["first_response_at"] is not None
