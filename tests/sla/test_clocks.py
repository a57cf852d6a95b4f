"""The clocks on a conversation: which policy applies, when each response and the
resolution fall due in business time, and how pending, solving and reopening move them."""

from datetime import timedelta

import pytest

from helpline.conversations import actions
from helpline.conversations.models import Conversation
from helpline.conversations.receive import Inbound, receive
from helpline.customers import actions as customer_actions
from helpline.sla import clocks
from helpline.sla.models import SlaPolicy
from tests.conftest import email_from
from tests.sla.conftest import at, fresh, policy, received

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def _set(conversation, **fields):
    """Arrange a state directly, to then recompute the clocks at a chosen instant."""
    Conversation.objects.filter(pk=conversation.pk).update(**fields)


def test_the_first_matching_policy_by_position_applies(north, south, admin):
    anything = policy(name="Anything", position=40, first_response_minutes=40)
    at_south = policy(name="South", position=30, location=south, first_response_minutes=30)
    calls = policy(name="Calls", position=20, channel="phone", first_response_minutes=20)
    urgent = policy(name="Urgent", position=10, priority="urgent", first_response_minutes=10)
    email_north = received(north, at(0, 10))
    email_south = received(south, at(0, 10), sender="jonas@example.de")
    call_south = actions.start_conversation(
        admin, email_south.customer, channel="phone", text="Called", location=south
    )
    assert email_north.sla_policy == anything
    assert email_south.sla_policy == at_south
    assert fresh(call_south).sla_policy == calls  # before the location's policy
    actions.set_priority(admin, email_north, "urgent")
    assert fresh(email_north).sla_policy == urgent
    assert fresh(email_north).response_due_at == at(0, 10, 10)


def test_no_policy_no_clocks(north):
    conversation = received(north, at(0, 10))
    assert conversation.sla_policy is None
    assert conversation.sla_due_at is None and conversation.sla_next_check_at is None


def test_first_response_then_next_response(north, admin):
    policy(first_response_minutes=60, next_response_minutes=30)
    conversation = received(north, at(0, 10))
    assert conversation.response_due_at == at(0, 11)
    assert conversation.sla_due_at == at(0, 11)
    actions.reply(admin, conversation, "We are on it")
    answered = fresh(conversation)
    assert answered.first_response_at is not None
    assert answered.response_due_at is None and answered.sla_due_at is None
    later = answered.first_response_at + timedelta(hours=2)
    receive(email_from("maria@example.com", conversation=answered, received_at=later))
    assert fresh(conversation).response_due_at == later + 30 * MINUTE


def test_a_call_we_make_answers_like_a_reply(north, admin):
    policy(first_response_minutes=60)
    conversation = received(north, at(0, 10))
    actions.log_contact(
        admin, conversation, channel="phone", direction="outbound", text="Called her back"
    )
    assert fresh(conversation).response_due_at is None


def test_due_times_skip_closed_time(office_hours):
    policy(first_response_minutes=60, resolution_minutes=8 * 60)
    # Friday 16:30: half an hour today, the rest on Monday morning.
    conversation = received(office_hours, at(4, 16, 30))
    assert conversation.response_due_at == at(7, 9, 30)
    assert conversation.resolution_due_at == at(7, 16, 30)
    # Warned at 80 %: 48 business minutes in, Monday 09:18.
    assert conversation.sla_next_check_at == at(7, 9, 18)


def test_pending_pauses_the_resolution_clock_and_the_customer_resumes_it(north, admin):
    policy(first_response_minutes=60, resolution_minutes=120)
    conversation = received(north, at(0, 10))
    assert conversation.resolution_due_at == at(0, 12)
    actions.set_status(admin, conversation, "pending")
    pending = fresh(conversation)
    assert pending.paused_at is not None
    assert pending.response_due_at is None and pending.resolution_due_at is None
    assert pending.sla_due_at is None and pending.sla_next_check_at is None
    receive(email_from("maria@example.com", conversation=pending))
    resumed = fresh(conversation)
    assert resumed.status == "open" and resumed.paused_at is None
    assert resumed.resolution_due_at == at(0, 12) + timedelta(
        seconds=resumed.resolution_paused_seconds
    )


def test_a_pause_counts_business_time_only(office_hours):
    policy(resolution_minutes=120)
    conversation = received(office_hours, at(0, 16))
    assert conversation.resolution_due_at == at(1, 10)  # an hour on Monday, an hour on Tuesday
    _set(conversation, status="pending", waiting_since=None)
    clocks.refresh([conversation.pk], now=at(0, 16, 30))
    assert fresh(conversation).paused_at == at(0, 16, 30)
    _set(conversation, status="open")
    clocks.refresh([conversation.pk], now=at(1, 9, 15))
    resumed = fresh(conversation)
    # Paused 16:30–17:00 and 09:00–09:15 of business time; the night does not count.
    assert resumed.resolution_paused_seconds == 45 * 60
    assert resumed.resolution_due_at == at(1, 10, 45)


def test_reopening_continues_the_resolution_clock_where_solving_stopped_it(north):
    policy(resolution_minutes=120)
    conversation = received(north, at(0, 10))
    _set(conversation, status="pending", waiting_since=None)
    clocks.refresh([conversation.pk], now=at(0, 10, 30))
    _set(conversation, status="open")
    clocks.refresh([conversation.pk], now=at(0, 11, 30))
    assert fresh(conversation).resolution_due_at == at(0, 13)
    _set(conversation, status="solved")
    clocks.refresh([conversation.pk], now=at(0, 12))
    solved = fresh(conversation)
    assert solved.sla_due_at is None and solved.sla_next_check_at is None
    _set(conversation, status="open")
    clocks.refresh([conversation.pk], now=at(1, 12))
    reopened = fresh(conversation)
    assert reopened.resolution_paused_seconds == 25 * 3600  # an hour pending, a day solved
    assert reopened.resolution_due_at == at(1, 13)


def test_assigning_and_merging_leave_the_clocks_alone(north, admin, agent_north, team):
    policy(first_response_minutes=60, resolution_minutes=600)
    conversation = received(north, at(0, 10))
    other = received(north, at(0, 11), sender="maria.work@example.com")
    before = [clocks._clock_values(fresh(c)) for c in (conversation, other)]
    actions.assign(admin, conversation, assignee=agent_north, team=team)
    customer_actions.merge(admin, other.customer, conversation.customer)
    assert [clocks._clock_values(fresh(c)) for c in (conversation, other)] == before
    assert fresh(other).customer_id == conversation.customer_id


def test_refresh_reads_in_a_few_queries_however_many(north, south, django_assert_max_num_queries):
    policy(position=10, first_response_minutes=60, resolution_minutes=600)
    policy(name="South", location=south, first_response_minutes=30)
    conversations = [
        received(north if i % 2 else south, at(0, 10), f"c{i}@example.com") for i in range(30)
    ]
    Conversation.objects.update(sla_policy=None, sla_due_at=None, response_due_at=None)
    with django_assert_max_num_queries(7):
        changed = clocks.refresh([c.pk for c in conversations])
    assert changed == 30
    assert {fresh(c).sla_policy.name for c in conversations} == {"Everything", "South"}


def test_a_batch_of_messages_sets_every_conversations_clocks(north):
    policy(first_response_minutes=15)
    inbounds: list[Inbound] = [
        email_from(f"c{i}@example.com", subject=f"Hello {i}", location=north, received_at=at(0, 9))
        for i in range(5)
    ]
    from helpline.conversations.receive import receive_many

    receive_many(inbounds)
    assert set(Conversation.objects.values_list("response_due_at", flat=True)) == {at(0, 9, 15)}


def test_refresh_all_applies_a_changed_policy(north):
    conversation = received(north, at(0, 10))
    SlaPolicy.objects.create(name="Later", first_response_minutes=5)
    assert fresh(conversation).response_due_at is None
    clocks.refresh_all()
    assert fresh(conversation).response_due_at == at(0, 10, 5)
