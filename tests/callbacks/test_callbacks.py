"""The worklist fills itself from calls nobody took, moves on after each try nobody answered,
and empties when the customer is reached, on the phone or any other way."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from helpline.callbacks import actions
from helpline.callbacks.backoff import next_midnight
from helpline.callbacks.models import Callback, CallbackStatus, Reason
from helpline.conversations.models import Conversation, Direction, Message, Wait
from helpline.conversations.receive import receive
from helpline.core.errors import ActionError
from helpline.core.models import Activity
from helpline.core.tokens import issue_token
from helpline.customers.actions import create_customer, merge, unmerge
from helpline.hours.actions import set_opening_hours
from helpline.sla.models import SlaPolicy
from tests.callbacks.conftest import MARIA, london
from tests.channels.phone.conftest import NORTH_NUMBER
from tests.channels.phone.test_webhooks import SITE, TOKEN, TWILIO_PATH, post_twilio, sign
from tests.channels.phone.test_webhooks import status_callback as twilio_callback
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

SATURDAY_EVENING = london(2025, 3, 8, 19, 0)
MONDAY_MORNING = london(2025, 3, 10, 9, 0)


@pytest.fixture
def twilio(settings):
    settings.HELPLINE_TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = SITE


# Calls nobody took ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        ("missed", Reason.MISSED_CALL),
        ("abandoned", Reason.ABANDONED_CALL),
        ("voicemail", Reason.VOICEMAIL),
    ],
)
def test_a_call_nobody_took_on_saturday_evening_is_due_on_monday_morning(
    missed_call, north, outcome, reason
):
    message = missed_call(outcome=outcome, started_at=SATURDAY_EVENING)

    callback = Callback.objects.get()
    assert callback.reason == reason
    assert callback.status == CallbackStatus.OPEN
    assert callback.due_at == MONDAY_MORNING
    assert callback.phone_number == MARIA
    assert callback.location == north
    assert callback.conversation == message.conversation
    assert callback.customer == message.conversation.customer
    assert callback.attempts == 0 and callback.max_attempts == 4
    assert Activity.objects.filter(verb="callback.created", subject_id=callback.pk).exists()


def test_a_missed_call_through_the_json_webhook_makes_a_callback(
    north_line, office_hours, agent_north, django_capture_on_commit_callbacks
):
    client = Client(headers={"Authorization": f"Bearer {issue_token(agent_north)}"})
    body = {
        "provider": "pbx",
        "call_id": "c-9",
        "direction": "inbound",
        "from_number": "07700 900123",
        "to_number": NORTH_NUMBER,
        "outcome": "missed",
        "started_at": SATURDAY_EVENING.isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/calls/events", json.dumps(body), "application/json")

    assert response.status_code == 201, response.content
    (callback,) = Callback.objects.all()
    assert (callback.phone_number, callback.due_at) == (MARIA, MONDAY_MORNING)


def test_a_missed_twilio_call_makes_a_callback(
    twilio, north_line, office_hours, django_capture_on_commit_callbacks
):
    params = twilio_callback(Timestamp="Sat, 08 Mar 2025 19:00:00 +0000")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_twilio(params, sign(params, SITE + TWILIO_PATH))

    assert response.status_code == 201, response.content
    (callback,) = Callback.objects.all()
    assert callback.reason == Reason.MISSED_CALL
    assert callback.due_at == MONDAY_MORNING


def test_answered_and_withheld_calls_need_no_callback(missed_call):
    missed_call(call_id="answered", outcome="answered", duration_seconds=60)
    missed_call(call_id="withheld", number="anonymous")
    missed_call(call_id="ours", direction="outbound")

    assert not Callback.objects.exists()


def test_a_customer_has_one_open_callback_per_number(missed_call):
    missed_call(call_id="c-1", started_at=SATURDAY_EVENING)
    missed_call(call_id="c-2", outcome="voicemail", started_at=london(2025, 3, 10, 11, 0))
    (callback,) = Callback.objects.all()
    assert callback.due_at == MONDAY_MORNING  # the earlier due time is kept

    again = actions.create_callback(None, callback.customer, "07700 900123", Reason.REQUESTED)
    other = actions.create_callback(None, callback.customer, "+447700900456", Reason.REQUESTED)

    assert again == callback
    assert other != callback
    assert Callback.objects.filter(status=CallbackStatus.OPEN).count() == 2


def test_an_agents_call_back_time_is_moved_into_opening_hours(missed_call, agent_north):
    customer = missed_call(outcome="answered", duration_seconds=5).conversation.customer
    callback = actions.create_callback(
        agent_north, customer, MARIA, Reason.REQUESTED, due_at=SATURDAY_EVENING
    )
    assert callback.due_at == MONDAY_MORNING
    assert callback.location == customer.location


def test_a_number_that_is_no_phone_number_is_refused(missed_call):
    customer = missed_call(outcome="answered", duration_seconds=5).conversation.customer
    with pytest.raises(ActionError) as refused:
        actions.create_callback(None, customer, "call me maybe", Reason.REQUESTED)
    assert refused.value.field == "phone_number"


# Trying ------------------------------------------------------------------------------------


def test_tries_nobody_answered_move_the_callback_on_by_the_back_off(
    missed_call, north, agent_north, django_capture_on_commit_callbacks
):
    # Always open, so that each wait shows as it is (test_backoff.py has opening hours).
    set_opening_hours(None, north, [])
    missed_call()
    callback = Callback.objects.get()
    waits = [
        lambda at: at + timedelta(minutes=15),
        lambda at: at + timedelta(hours=1),
        lambda at: next_midnight(ZoneInfo(north.timezone), at),
    ]
    for tries, (outcome, wait) in enumerate(
        zip(["no_answer", "busy", "left_message"], waits, strict=True), start=1
    ):
        with django_capture_on_commit_callbacks(execute=True):
            callback = actions.record_attempt(agent_north, callback, outcome, "rang out")
        attempt = callback.tries.last()
        assert callback.status == CallbackStatus.OPEN
        assert callback.attempts == tries
        assert callback.due_at == wait(attempt.at)

    calls = Message.objects.filter(direction=Direction.OUTBOUND).order_by("id")
    assert [m.meta["outcome"] for m in calls] == ["no_answer", "busy", "left_message"]
    assert calls[0].text == f"Called back {MARIA}: no answer. rang out"
    conversation = callback.conversation
    conversation.refresh_from_db()
    assert conversation.waiting_since is not None  # unanswered tries are no response
    assert conversation.first_response_at is None


def test_after_the_last_try_nobody_answered_the_callback_needs_a_manual_look(
    missed_call, agent_north, settings
):
    settings.HELPLINE_CALLBACK_MAX_ATTEMPTS = 2
    missed_call()
    callback = Callback.objects.get()
    callback = actions.record_attempt(agent_north, callback, "no_answer")
    callback = actions.record_attempt(agent_north, callback, "busy")

    assert callback.status == CallbackStatus.FAILED
    assert callback.closed_reason == "not reached in 2 tries"
    with pytest.raises(ActionError):
        actions.record_attempt(agent_north, callback, "reached")


def test_a_wrong_number_needs_a_manual_look(missed_call, agent_north):
    missed_call()
    callback = actions.record_attempt(agent_north, Callback.objects.get(), "wrong_number")
    assert callback.status == CallbackStatus.FAILED
    assert callback.closed_reason == "wrong number"
    assert callback.attempts == 0


def test_reaching_the_customer_is_done_and_answers_them(
    missed_call, agent_north, django_capture_on_commit_callbacks
):
    message = missed_call()
    conversation = message.conversation
    callback = Callback.objects.get()
    assert Wait.objects.get(message=message).answered_at is None

    with django_capture_on_commit_callbacks(execute=True):
        callback = actions.record_attempt(agent_north, callback, "reached", "Sorted her order")

    assert callback.status == CallbackStatus.DONE
    assert callback.closed_reason == "reached by Nora"
    conversation.refresh_from_db()
    assert conversation.waiting_since is None
    assert conversation.first_response_at is not None
    wait = Wait.objects.get(message=message)
    assert wait.answered_by.meta["outcome"] == "answered"
    assert wait.answered_by.author == agent_north
    assert Activity.objects.filter(verb="callback.attempted", subject_id=callback.pk).exists()


def test_the_response_clock_runs_through_unanswered_tries_and_stops_when_reached(
    missed_call, agent_north, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(name="Calls", channel="phone", first_response_minutes=60)
    message = missed_call(started_at=MONDAY_MORNING)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    due = conversation.response_due_at
    assert due == MONDAY_MORNING + timedelta(hours=1)

    callback = actions.record_attempt(agent_north, Callback.objects.get(), "no_answer")
    conversation.refresh_from_db()
    assert conversation.response_due_at == due  # a try nobody answered is no response
    assert Wait.objects.get(message=message).answered_at is None

    with django_capture_on_commit_callbacks(execute=True):
        actions.record_attempt(agent_north, callback, "reached")
    conversation.refresh_from_db()
    assert conversation.response_due_at is None
    wait = Wait.objects.get(message=message)
    assert wait.answered_at is not None and wait.business_seconds >= 0


def test_a_callback_asked_for_without_a_conversation_gets_one_at_its_first_try(
    missed_call, agent_north
):
    customer = missed_call(outcome="answered", duration_seconds=5).conversation.customer
    callback = actions.create_callback(agent_north, customer, "+447700900456", Reason.REQUESTED)
    assert callback.conversation is None

    callback = actions.record_attempt(agent_north, callback, "no_answer")

    assert callback.conversation.customer == customer
    assert callback.conversation.messages.get().meta["outcome"] == "no_answer"


def test_an_unknown_outcome_is_refused(missed_call, agent_north):
    missed_call()
    with pytest.raises(ActionError) as refused:
        actions.record_attempt(agent_north, Callback.objects.get(), "maybe")
    assert refused.value.field == "outcome"


# Reached another way ------------------------------------------------------------------------


def test_an_email_from_the_customer_closes_their_open_callbacks(
    missed_call, django_capture_on_commit_callbacks
):
    customer = missed_call().conversation.customer
    customer.identities.create(kind="email", value="maria@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        receive(email_from("maria@example.com", subject="About my call"))

    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.CLOSED
    assert callback.closed_reason == "customer reached by email"
    assert Activity.objects.filter(verb="callback.closed", subject_id=callback.pk).exists()


def test_a_robots_mail_closes_nothing(missed_call, django_capture_on_commit_callbacks):
    customer = missed_call().conversation.customer
    customer.identities.create(kind="email", value="maria@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        receive(email_from("maria@example.com", subject="Out of office", kind="auto_reply"))

    assert Callback.objects.get().status == CallbackStatus.OPEN


@pytest.mark.parametrize("direction", ["inbound", "outbound"])
def test_an_answered_call_closes_the_open_callbacks(missed_call, direction):
    missed_call(call_id="c-1")
    missed_call(call_id="c-2", direction=direction, outcome="answered", duration_seconds=30)

    callback = Callback.objects.get()
    assert callback.status == CallbackStatus.CLOSED
    assert callback.closed_reason == "customer reached by phone"


def test_a_voicemail_after_a_missed_call_makes_the_callback_a_voicemail(missed_call):
    missed_call(call_id="c-1")
    missed_call(call_id="c-2", outcome="voicemail", recording_url="https://pbx.example/rec/2")
    missed_call(call_id="c-3", outcome="missed")

    callback = Callback.objects.get()
    assert callback.reason == Reason.VOICEMAIL
    assert Activity.objects.filter(verb="callback.voicemail_left", subject_id=callback.pk).exists()


def test_another_missed_call_keeps_the_callback_open(missed_call):
    missed_call(call_id="c-1")
    missed_call(call_id="c-2", outcome="abandoned")

    assert Callback.objects.get().status == CallbackStatus.OPEN


# Merged customers ---------------------------------------------------------------------------


def customer_by_email(address, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return receive(email_from(address, subject="Hello")).message.conversation.customer


def test_a_merge_moves_the_callbacks_so_a_later_email_closes_them(
    missed_call, admin, django_capture_on_commit_callbacks
):
    caller = missed_call().conversation.customer
    writer = customer_by_email("maria@example.com", django_capture_on_commit_callbacks)
    merge(admin, caller, into=writer)

    callback = Callback.objects.get()
    assert callback.customer == writer
    with django_capture_on_commit_callbacks(execute=True):
        receive(email_from("maria@example.com", subject="About my call"))
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.CLOSED
    assert callback.closed_reason == "customer reached by email"


def test_unmerge_takes_the_callbacks_back(missed_call, admin, django_capture_on_commit_callbacks):
    caller = missed_call().conversation.customer
    writer = customer_by_email("maria@example.com", django_capture_on_commit_callbacks)
    merged = merge(admin, caller, into=writer)
    unmerge(admin, merged)

    assert Callback.objects.get().customer == caller


def test_a_number_both_customers_had_open_stays_open_once_and_unmerge_reopens_it(
    missed_call, admin, north
):
    caller = missed_call().conversation.customer
    twin_customer = create_customer(None, name="Maria", location=north)
    twin = actions.create_callback(None, twin_customer, MARIA, "requested")
    merged = merge(admin, caller, into=twin_customer)

    open_ones = Callback.objects.filter(status=CallbackStatus.OPEN)
    assert list(open_ones) == [twin]
    closed = Callback.objects.exclude(pk=twin.pk).get()
    assert closed.customer == twin_customer
    assert closed.closed_reason == actions.MERGED_DUPLICATE
    assert merged.data["callback_duplicate_ids"] == [closed.pk]

    unmerge(admin, merged)
    closed.refresh_from_db()
    assert (closed.customer, closed.status, closed.closed_reason) == (caller, "open", "")
    assert Callback.objects.filter(status=CallbackStatus.OPEN).count() == 2
    assert Activity.objects.filter(verb=actions.REOPENED, subject_id=closed.pk).exists()
