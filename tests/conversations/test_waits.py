"""Waiting time per customer message: started on arrival, answered by our response."""

import importlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from helpline.conversations import actions
from helpline.conversations.models import (
    Channel,
    Conversation,
    Direction,
    Message,
    MessageKind,
    Status,
    Wait,
    compact_duration,
)
from helpline.conversations.receive import receive, receive_many
from helpline.conversations.waits import answer_open_waits
from helpline.core.errors import ActionError
from helpline.core.models import Location
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer, Identity, IdentityKind
from helpline.demo.load import load_demo
from helpline.hours.actions import set_opening_hours
from helpline.hours.calendar import calendar_for
from tests.api.conftest import ApiClient
from tests.conftest import email_from

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def write(conversation=None, address="maria@example.com", **fields) -> Message:
    return receive(email_from(address, conversation=conversation, **fields)).message


@pytest.fixture
def conversation(north):
    return write(name="Maria Lopez", subject="Order 123", location=north).conversation


@pytest.fixture
def walk_in_customer(north):
    customer = Customer.objects.create(name="Walk In", location=north)
    Identity.objects.create(customer=customer, kind=IdentityKind.PHONE, value="+442071838750")
    return customer


def wait_of(message: Message) -> Wait:
    return Wait.objects.get(message=message)


def seconds_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Which messages wait ------------------------------------------------------------


def test_each_customer_message_starts_a_wait_at_its_location(conversation, north):
    first = conversation.messages.get()
    second = write(conversation=conversation, text="Any news?")

    waits = list(Wait.objects.order_by("id"))
    assert [w.message_id for w in waits] == [first.pk, second.pk]
    for wait, message in zip(waits, [first, second], strict=True):
        assert wait.conversation_id == conversation.pk
        assert wait.location_id == north.pk
        assert wait.channel == Channel.EMAIL
        assert wait.started_at == message.created_at
        assert wait.answered_at is None
        assert wait.answered_by is None
        assert wait.wall_seconds is None and wait.business_seconds is None
        assert wait.helped_after_seconds is None


def test_robots_notes_and_our_own_messages_never_wait(conversation, agent_north):
    receive(email_from(conversation=conversation, kind=MessageKind.AUTO_REPLY, text="Away"))
    receive(email_from(conversation=conversation, kind=MessageKind.BOUNCE, text="Undelivered"))
    actions.add_note(agent_north, conversation, "Checked the warehouse")
    actions.reply(agent_north, conversation, "It ships today.")
    actions.log_contact(
        agent_north, conversation, channel=Channel.PHONE, text="Called them", direction="outbound"
    )

    assert Message.objects.count() == 6
    assert list(Wait.objects.values_list("message__direction", "message__kind")) == [
        (Direction.INBOUND, MessageKind.NORMAL)
    ]


def test_a_batch_stores_its_waits_in_one_insert_however_many_there_are(conversation, north):
    def batch(size: int, tag: str) -> int:
        inbounds = [
            email_from(f"{tag}{n}@example.com", subject=f"Question {n}", location=north)
            for n in range(size)
        ]
        inbounds.append(email_from(conversation=conversation, kind=MessageKind.AUTO_REPLY))
        with CaptureQueriesContext(connection) as queries:
            receive_many(inbounds)
        inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "conversations_wait"')]
        assert len(inserts) == 1
        return len(queries)

    small = batch(2, "small")
    large = batch(12, "large")

    assert large == small
    assert Wait.objects.count() == 1 + 2 + 12  # the robot of each batch does not wait


def test_a_message_received_twice_waits_once(north):
    receive(email_from(external_id="dup@x", location=north))
    receive_many(
        [email_from("new@example.com", external_id="fresh@x"), email_from(external_id="dup@x")]
    )

    assert Wait.objects.count() == 2  # the stored duplicate is not received twice


# Answering -----------------------------------------------------------------------


def test_a_reply_answers_every_open_wait_with_wall_and_business_time(conversation, agent_north):
    first = conversation.messages.get()
    second = write(conversation=conversation, text="Hello?")

    reply = actions.reply(agent_north, conversation, "It ships today.")

    for message in (first, second):
        wait = wait_of(message)
        assert wait.answered_at == reply.created_at
        assert wait.answered_by == reply
        assert wait.wall_seconds == seconds_between(message.created_at, reply.created_at)
        # North Street has no opening hours: always open, business time is wall time.
        assert wait.business_seconds == wait.wall_seconds


def test_a_later_reply_leaves_answered_waits_alone(conversation, agent_north):
    first = conversation.messages.get()
    answer = actions.reply(agent_north, conversation, "It ships today.")
    later = write(conversation=conversation, text="It did not come")

    second_answer = actions.reply(agent_north, conversation, "Sorry, sending another.")

    assert wait_of(first).answered_by == answer
    assert wait_of(later).answered_by == second_answer


def test_business_time_counts_only_opening_hours(north, agent_north):
    set_opening_hours(None, north, [(day, time(9), time(17)) for day in range(5)])
    friday = datetime(2025, 3, 7, 16, 0, tzinfo=LONDON)
    monday = datetime(2025, 3, 10, 10, 0, tzinfo=LONDON)
    message = write(received_at=friday, location=north)
    response = Message.objects.create(
        conversation=message.conversation,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        author=agent_north,
        text="Sorry for the wait",
        created_at=monday,
    )

    assert answer_open_waits(response) == 1

    wait = wait_of(message)
    assert wait.wall_seconds == 66 * 3600  # Friday 16:00 to Monday 10:00
    assert wait.business_seconds == 2 * 3600  # Friday 16–17 and Monday 9–10
    assert wait.answered_by == response


def test_a_response_does_not_answer_a_message_that_came_after_it(conversation, agent_north):
    """A phone system may report a call after a later email has arrived."""
    message = conversation.messages.get()
    earlier = Message.objects.create(
        conversation=conversation,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        author=agent_north,
        text="Called back",
        created_at=message.created_at - timedelta(minutes=5),
    )

    assert answer_open_waits(earlier) == 0
    assert wait_of(message).answered_at is None


def test_a_note_answers_nothing(conversation, agent_north):
    actions.add_note(agent_north, conversation, "Asked the warehouse")

    assert wait_of(conversation.messages.first()).answered_at is None


@pytest.mark.parametrize("status", [Status.PENDING, Status.SOLVED])
def test_pending_or_solved_without_a_response_leaves_the_wait_open(
    conversation, agent_north, status
):
    actions.set_status(agent_north, conversation, status)

    assert wait_of(conversation.messages.get()).answered_at is None


def test_a_call_we_make_answers_the_waits(conversation, agent_north):
    message = conversation.messages.get()

    call = actions.log_contact(
        agent_north, conversation, channel=Channel.PHONE, text="Called back", direction="outbound"
    )

    wait = wait_of(message)
    assert wait.answered_by == call
    assert wait.wall_seconds == seconds_between(message.created_at, call.created_at)


# Calls and visits an agent logs ---------------------------------------------------------


def test_a_logged_visit_with_its_waiting_time_is_answered_at_once(conversation, agent_north):
    visit = actions.log_contact(
        agent_north,
        conversation,
        channel=Channel.WALK_IN,
        text="Came in about the order",
        direction="inbound",
        waited_minutes=12,
    )

    wait = wait_of(visit)
    assert wait.channel == Channel.WALK_IN
    assert wait.helped_after_seconds == 12 * 60
    assert wait.answered_at == visit.created_at
    assert wait.answered_by is None
    assert wait.wall_seconds == wait.business_seconds == 12 * 60
    # We talked with them: the visit answers their earlier email too.
    assert wait_of(conversation.messages.earliest("created_at")).answered_by == visit


def test_a_logged_call_without_a_waiting_time_is_answered_on_the_spot(conversation, agent_north):
    call = actions.log_contact(
        agent_north, conversation, channel=Channel.PHONE, text="Rang", direction="inbound"
    )

    wait = wait_of(call)
    assert (wait.helped_after_seconds, wait.answered_at) == (None, call.created_at)
    assert wait.answered_by == call and wait.wall_seconds == 0  # how long they queued: unsaid


def test_the_waiting_time_is_reckoned_in_the_locations_business_time(agent_north):
    """Counted back from the logged moment on the location's calendar (a kiosk open around
    the clock, in no country, so that no public holiday closes it on the day the test runs)."""
    kiosk = Location.objects.create(name="Kiosk", timezone="Europe/London", country="")
    set_opening_hours(None, kiosk, [(day, time(0), time(0)) for day in range(7)])
    agent_north.locations.add(kiosk)

    conversation = write(location=kiosk).conversation
    visit = actions.log_contact(
        agent_north,
        conversation,
        channel=Channel.WALK_IN,
        text="Came in",
        direction="inbound",
        waited_minutes=30,
    )

    wait = wait_of(visit)
    assert wait.business_seconds == wait.wall_seconds == 30 * 60  # open around the clock


def test_starting_a_conversation_for_a_call_takes_the_waiting_time(walk_in_customer, agent_north):
    conversation = actions.start_conversation(
        agent_north,
        walk_in_customer,
        channel=Channel.PHONE,
        subject="Repair",
        text="Asks about the repair",
        waited_minutes=4,
    )

    wait = Wait.objects.get(conversation=conversation)
    assert wait.helped_after_seconds == wait.wall_seconds == 240
    assert wait.answered_at == wait.message.created_at


@pytest.mark.parametrize(
    "fields",
    [
        {"channel": Channel.EMAIL, "text": "Hello", "waited_minutes": 3},
        {"channel": Channel.WALK_IN, "text": "", "subject": "Visit", "waited_minutes": 3},
        {"channel": Channel.WALK_IN, "text": "Hello", "waited_minutes": -1},
        {"channel": Channel.WALK_IN, "text": "Hello", "waited_minutes": 24 * 60 + 1},
    ],
)
def test_a_waiting_time_only_for_a_call_or_visit_that_says_something(
    walk_in_customer, agent_north, fields
):
    with pytest.raises(ActionError) as refused:
        actions.start_conversation(agent_north, walk_in_customer, **fields)

    assert refused.value.field == "waited_minutes"
    assert not Conversation.objects.exists()


def test_a_call_we_make_has_no_waiting_time(conversation, agent_north):
    with pytest.raises(ActionError) as refused:
        actions.log_contact(
            agent_north,
            conversation,
            channel=Channel.PHONE,
            text="Called back",
            direction="outbound",
            waited_minutes=5,
        )

    assert refused.value.field == "waited_minutes"
    assert Message.objects.count() == 1


# Merging customers -------------------------------------------------------------------


def test_merging_and_unmerging_customers_leaves_waits_with_their_messages(
    conversation, agent_north, north
):
    other = write(address="maria.work@example.com", subject="Invoice", location=north)
    merge = customer_actions.merge(agent_north, other.conversation.customer, conversation.customer)
    before = list(Wait.objects.order_by("id").values_list("message", "conversation", "location"))

    reply = actions.reply(agent_north, other.conversation, "Here is your invoice.")
    customer_actions.unmerge(agent_north, merge)

    after = list(Wait.objects.order_by("id").values_list("message", "conversation", "location"))
    assert after == before
    assert wait_of(other).answered_by == reply
    assert wait_of(conversation.messages.get()).answered_at is None


# Showing them ---------------------------------------------------------------------------


def test_compact_durations_read_like_the_desks_waits():
    assert [compact_duration(s) for s in (None, 0, 45, 720, 7500, 3600, 93600, 86400)] == [
        "",
        "0s",
        "45s",
        "12m",
        "2h 5m",
        "1h",
        "1d 2h",
        "1d",
    ]


def test_the_page_shows_how_long_each_answered_message_waited(conversation, agent_north):
    answered = conversation.messages.get()
    actions.reply(agent_north, conversation, "It ships today.")
    visit = actions.log_contact(
        agent_north,
        conversation,
        channel=Channel.WALK_IN,
        text="Came in",
        direction="inbound",
        waited_minutes=125,
    )
    still_waiting = write(conversation=conversation, text="And now?")

    page = client_for(agent_north).get(reverse("desk:conversation", args=[conversation.pk]))

    html = page.content.decode()
    wait = wait_of(answered)
    assert (
        f'id="message-{answered.pk}-wait">answered after {wait.wall_text} '
        f"({wait.business_text} business)</span>"
    ) in html
    assert f'id="message-{visit.pk}-wait">helped after 2h 5m (2h 5m business)</span>' in html
    assert f'id="message-{still_waiting.pk}-wait"' not in html


def test_the_log_form_passes_the_waiting_time(conversation, agent_north):
    client = client_for(agent_north)
    url = reverse("desk:conversation-log-contact", args=[conversation.pk])

    response = client.post(
        url,
        {"direction": "inbound", "channel": "walk_in", "text": "Came in", "waited_minutes": "7"},
    )

    assert response.status_code == 302
    visit = conversation.messages.get(channel=Channel.WALK_IN)
    assert wait_of(visit).helped_after_seconds == 7 * 60


@pytest.mark.parametrize("typed", ["soon", "-3"])
def test_the_log_form_refuses_a_bad_waiting_time_and_keeps_what_was_typed(
    conversation, agent_north, typed
):
    url = reverse("desk:conversation-log-contact", args=[conversation.pk])

    response = client_for(agent_north).post(
        url,
        {"direction": "inbound", "channel": "walk_in", "text": "Came in", "waited_minutes": typed},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="log-error"' in html
    assert 'aria-invalid="true" autofocus>' in html.split('id="log-waited"', 1)[1].split("\n", 1)[0]
    assert f'value="{typed}"' in html
    assert "Came in</textarea>" in html
    assert Message.objects.count() == 1


def test_the_new_conversation_form_passes_the_waiting_time(north, agent_north):
    response = client_for(agent_north).post(
        reverse("desk:conversation-new"),
        {
            "name": "Walk In",
            "channel": "walk_in",
            "text": "Wants a quote",
            "location": north.pk,
            "waited_minutes": "9",
        },
    )

    assert response.status_code == 302
    wait = Wait.objects.get()
    assert wait.helped_after_seconds == 9 * 60
    assert wait.channel == Channel.WALK_IN


def test_the_new_conversation_form_refuses_a_waiting_time_for_an_email(north, agent_north):
    response = client_for(agent_north).post(
        reverse("desk:conversation-new"),
        {
            "name": "Writer",
            "channel": "email",
            "text": "Hello",
            "location": north.pk,
            "waited_minutes": "9",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_waited_minutes_error"' in html
    assert "has a waiting time" in html
    assert not Conversation.objects.exists()


def test_the_api_shows_the_wait_of_customer_messages_only(conversation, admin, api_as):
    message = conversation.messages.get()
    reply = actions.reply(admin, conversation, "It ships today.")
    api = api_as(admin)

    shown = api.get(f"/messages/{message.pk}").json()["wait"]
    ours = api.get(f"/messages/{reply.pk}").json()["wait"]
    listed = api.get(f"/conversations/{conversation.pk}/messages").json()["items"]

    wait = wait_of(message)
    assert shown["wall_seconds"] == wait.wall_seconds
    assert shown["business_seconds"] == wait.business_seconds
    assert shown["helped_after_seconds"] is None
    assert shown["started_at"] and shown["answered_at"]
    assert set(shown) == {
        "started_at",
        "answered_at",
        "wall_seconds",
        "business_seconds",
        "helped_after_seconds",
    }
    assert ours is None
    assert [item["wait"] is not None for item in listed] == [True, False]


@pytest.fixture
def api_as():
    from helpline.core.tokens import issue_token

    return lambda user: ApiClient(issue_token(user, "tests"))


# Stored before waits existed, and the demo ---------------------------------------------------


def test_the_migration_backfills_waits_answered_by_the_next_response(conversation, agent_north):
    first = conversation.messages.get()
    reply = actions.reply(agent_north, conversation, "It ships today.")
    receive(email_from(conversation=conversation, kind=MessageKind.AUTO_REPLY, text="Away"))
    unanswered = write(conversation=conversation, text="Still nothing")
    expected = list(Wait.objects.order_by("message_id").values_list(*BACKFILLED))
    Wait.objects.all().delete()

    migration = importlib.import_module("helpline.conversations.migrations.0006_waits")
    migration.backfill_waits(apps, None)

    assert list(Wait.objects.order_by("message_id").values_list(*BACKFILLED)) == expected
    assert [w.message_id for w in Wait.objects.order_by("id")] == [first.pk, unanswered.pk]
    assert wait_of(first).answered_by == reply


BACKFILLED = [
    "message",
    "conversation",
    "location",
    "channel",
    "started_at",
    "answered_at",
    "answered_by",
    "wall_seconds",
    "business_seconds",
]


def test_the_demo_has_a_consistent_wait_for_every_customer_message(db):
    load_demo(customers=20, conversations=60, seed=3)

    customer_messages = Message.objects.filter(direction=Direction.INBOUND, kind=MessageKind.NORMAL)
    assert Wait.objects.count() == customer_messages.count()
    waits = Wait.objects.select_related("message", "answered_by", "conversation")
    assert any(w.answered_by_id for w in waits)
    assert any(w.helped_after_seconds for w in waits)
    for wait in waits:
        assert wait.started_at == wait.message.created_at
        assert wait.location_id == wait.conversation.location_id
        if wait.helped_after_seconds is not None:
            assert wait.answered_at == wait.started_at and wait.answered_by is None
            assert wait.wall_seconds == wait.helped_after_seconds
        elif wait.answered_by is not None:
            response = wait.answered_by
            assert response.conversation_id == wait.conversation_id
            assert response.kind == "normal"
            # A reply, a call we made, or a call or visit of theirs in which we talked.
            assert response.direction == Direction.OUTBOUND or response.talked_with_customer
            assert response.created_at >= wait.started_at
            assert wait.wall_seconds == seconds_between(wait.started_at, response.created_at)
            # The demo shops keep opening hours: business time is counted within them.
            calendar = calendar_for(wait.conversation.location)
            elapsed = calendar.elapsed(wait.started_at, response.created_at)
            assert wait.business_seconds == max(0, int(elapsed.total_seconds()))
            assert wait.business_seconds <= wait.wall_seconds
            between = Message.objects.filter(
                conversation=wait.conversation_id,
                direction=Direction.OUTBOUND,
                kind=MessageKind.NORMAL,
                created_at__gte=wait.started_at,
                created_at__lt=response.created_at,
            )
            assert not between.exists()  # answered by the first response after it
