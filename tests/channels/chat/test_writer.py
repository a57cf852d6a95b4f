"""The visitors' messages stored together: `visitor.handle_messages` (one transaction for the
later messages of many chats) and the process's writer, which hands it what arrived while it
was busy (writer.py)."""

import asyncio

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpline.channels.chat import live, visitor, writer
from helpline.channels.chat.models import ChatSession
from helpline.conversations.models import Message
from helpline.core.events import Event, EventName
from tests.channels.chat.conftest import SITE, say
from tests.realtime.loop import run


def visitors_in_chats(widget, count):
    """Visitors of the widget, each with a chat started by one message."""
    visits = [visitor.open_visit(widget.key, SITE, "") for _ in range(count)]
    for n, visit in enumerate(visits):
        assert say(visit, f"Hello from {n}", "first")[-1]["type"] == "ack"
    return visits


def texts(visit):
    session = ChatSession.objects.get(visitor=visit.visitor)
    return list(session.conversation.messages.order_by("pk").values_list("text", flat=True))


@pytest.mark.django_db
def test_later_messages_of_many_chats_are_stored_together_each_answered_alone(widget, online):
    visits = visitors_in_chats(widget, 4)
    newcomer = visitor.open_visit(widget.key, SITE, "")
    frames = [
        (visits[0], {"type": "message", "id": "b1", "text": "Where is my order?"}),
        (visits[1], {"type": "message", "id": "b1", "text": "   "}),
        (newcomer, {"type": "message", "id": "n1", "text": "Anyone there?"}),
        (visits[2], {"type": "message", "id": "b1", "text": "Thanks"}),
        (visits[0], {"type": "message", "id": "b2", "text": "Order 1042"}),
        (visits[0], {"type": "message", "id": "b1", "text": "Where is my order?"}),  # again
    ]
    answers = visitor.handle_messages(frames)

    assert [answer[-1]["type"] for answer in answers] == [
        "ack",
        "error",
        "ack",
        "ack",
        "ack",
        "ack",
    ]
    assert answers[1] == [
        {"type": "error", "id": "b1", "field": "text", "error": "a message needs text"}
    ]
    assert answers[2][0]["type"] == "state"  # a chat started (waiting: Nora has three)
    assert answers[5][-1]["message"]["id"] == answers[0][-1]["message"]["id"]  # stored once
    assert texts(visits[0]) == ["Hello from 0", "Where is my order?", "Order 1042"]
    assert texts(visits[1]) == ["Hello from 1"]
    assert texts(visits[2]) == ["Hello from 2", "Thanks"]
    assert texts(newcomer) == ["Anyone there?"]
    assert texts(visits[3]) == ["Hello from 3"]


@pytest.mark.django_db
def test_first_messages_start_their_chats_together_and_a_second_tab_joins_its_chat(
    widget, online, agent_south
):
    newcomers = [visitor.open_visit(widget.key, SITE, "") for _ in range(3)]
    tab = visitor.Visit(**{**newcomers[0].__dict__})  # the first visitor's other tab
    frames = [
        (newcomers[0], {"type": "message", "id": "t1", "text": "Hello"}),
        (newcomers[1], {"type": "message", "id": "t1", "text": "Hi", "email": "not an address"}),
        (tab, {"type": "message", "id": "t2", "text": "From my phone"}),
        (newcomers[2], {"type": "message", "id": "t1", "text": "Good morning", "name": "Ada"}),
    ]
    answers = visitor.handle_messages(frames)

    assert [[f["type"] for f in answer] for answer in answers] == [
        ["state", "ack"],
        ["error"],
        ["ack"],
        ["state", "ack"],
    ]
    assert answers[1][0]["field"] == "email"
    assert texts(newcomers[0]) == ["Hello", "From my phone"]
    assert ChatSession.objects.filter(visitor=newcomers[0].visitor).count() == 1
    assert not ChatSession.objects.filter(visitor=newcomers[1].visitor).exists()
    ada = ChatSession.objects.get(visitor=newcomers[2].visitor)
    assert ada.conversation.customer.name == "Ada"
    assert {ChatSession.objects.get(visitor=newcomers[0].visitor).agent, ada.agent} == {online}


@pytest.mark.django_db
def test_a_batch_costs_a_few_queries_more_than_one_message_not_one_transaction_each(widget, online):
    visits = visitors_in_chats(widget, 21)

    def queries(batch, label):
        frames = [(v, {"type": "message", "id": label, "text": "Still there?"}) for v in batch]
        with CaptureQueriesContext(connection) as captured:
            visitor.handle_messages(frames)
        return len(captured)

    one = queries(visits[:1], "q1")
    twenty = queries(visits[1:], "q2")
    # The rate limits' counters are per visitor; the rest is shared by the batch.
    assert twenty < one + 20 * 12, (one, twenty)
    assert twenty < 10 * one, (one, twenty)


@pytest.mark.django_db
def test_the_visitors_are_told_each_of_their_own_chats_messages_in_one_go(widget, online):
    first, second = visitors_in_chats(widget, 2)
    stored = {
        visit.visitor: ChatSession.objects.get(visitor=visit.visitor).conversation.messages.get()
        for visit in (first, second)
    }
    events = [
        Event(
            EventName.MESSAGE_RECEIVED,
            {"conversation_id": message.conversation_id, "message_id": message.pk},
        )
        for message in stored.values()
    ]
    frames = live.for_visitors(events)
    assert [(group, frame["message"]["text"]) for group, frame in frames] == [
        (live.visitor_group(first.visitor), "Hello from 0"),
        (live.visitor_group(second.visitor), "Hello from 1"),
    ]


def recording(calls):
    real = visitor.handle_messages

    def handle_messages(frames):
        calls.append(len(frames))
        return real(frames)

    return handle_messages


@pytest.mark.django_db(transaction=True)
def test_the_writer_stores_what_arrives_while_it_is_busy_in_one_go(widget, online, monkeypatch):
    visits = visitors_in_chats(widget, 10)
    calls: list[int] = []
    monkeypatch.setattr(visitor, "handle_messages", recording(calls))

    async def everyone_at_once():
        process = writer.for_this_loop()
        alone = await process.write(visits[0], {"type": "message", "id": "w0", "text": "Hi"})
        together = await asyncio.gather(
            *(
                process.write(visit, {"type": "message", "id": f"w{n}", "text": f"Hi {n}"})
                for n, visit in enumerate(visits)
            )
        )
        return alone, together

    alone, together = run(everyone_at_once)

    assert calls == [1, 10]  # idle: at once, alone; then the ten that came at once, together
    assert alone[-1]["message"]["text"] == "Hi"
    assert [answer[-1]["message"]["text"] for answer in together] == ["Hi"] + [
        f"Hi {n}" for n in range(1, 10)
    ]
    assert texts(visits[3]) == ["Hello from 3", "Hi 3"]


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_is_taken_one_by_one_so_one_bad_frame_fails_alone(widget, online):
    visits = visitors_in_chats(widget, 3)
    gone = visitor.open_visit(widget.key, SITE, "")
    gone.widget_id = widget.pk + 1000  # no such widget: its first message raises

    async def together():
        process = writer.for_this_loop()
        return await asyncio.gather(
            *(
                process.write(visit, {"type": "message", "id": "x1", "text": "Hello again"})
                for visit in [visits[0], gone, visits[1], visits[2]]
            ),
            return_exceptions=True,
        )

    answers = run(together)

    assert isinstance(answers[1], Exception)
    assert [answers[n][-1]["type"] for n in (0, 2, 3)] == ["ack", "ack", "ack"]
    assert Message.objects.filter(text="Hello again").count() == 3


@pytest.mark.django_db
def test_a_batch_of_later_messages_opens_one_transaction_and_none_for_chat_starts(widget, online):
    visits = visitors_in_chats(widget, 2)
    frames = [(v, {"type": "message", "id": "t1", "text": "Still there?"}) for v in visits]
    with CaptureQueriesContext(connection) as captured:
        answers = visitor.handle_messages(frames)
    assert [answer[-1]["type"] for answer in answers] == ["ack", "ack"]
    # Inside the test's transaction, each transaction of the batch is a savepoint.
    opened = [q["sql"] for q in captured if q["sql"].startswith("SAVEPOINT")]
    assert len(opened) == 1, opened
