"""The chat channel without sockets: routing, the visitor's frames, the offline path, the
checks of the handshake, limits and blocking (the socket itself: test_socket.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpline.channels.chat import actions, tokens, visitor
from helpline.channels.chat.models import ChatAgent, ChatSession, SessionStatus
from helpline.channels.email import outbox
from helpline.channels.email.models import OutboundEmail
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Channel, Conversation, Direction, Wait
from helpline.core.errors import ActionError
from helpline.core.models import Role, User
from helpline.customers.models import Identity, IdentityKind
from tests.channels.chat.conftest import SITE, say
from tests.desk.conftest import write_in

pytestmark = pytest.mark.django_db


def agent(name, location, *, limit=None, seen=True, idle_minutes=None):
    user = User.objects.create_user(
        name, f"{name}@shop.test", "pw", role=Role.AGENT, first_name=name
    )
    user.locations.add(location)
    if seen:
        actions.seen(user)
    if limit is not None:
        actions.set_chat_limit(None, user, limit)
    if idle_minutes is not None:
        ChatAgent.objects.filter(user=user).update(
            idle_since=timezone.now() - timedelta(minutes=idle_minutes)
        )
    return user


def test_a_chat_goes_to_the_longest_idle_agent_online_of_its_location_under_their_limit(
    widget, north, south
):
    busy = agent("busy", north, limit=1, idle_minutes=60)
    agent("away", north, seen=False)
    recent = agent("recent", north, idle_minutes=1)
    longest = agent("longest", north, idle_minutes=30)
    agent("elsewhere", south, idle_minutes=90)
    first = visitor.open_visit(widget.key, SITE, "")
    say(first, "Hello", "a1")
    assert ChatSession.objects.get(visitor=first.visitor).agent == busy  # idle the longest
    # busy is at their limit (1); of the others online here, the longest idle
    second = visitor.open_visit(widget.key, SITE, "")
    say(second, "Hi there", "b1")
    assert ChatSession.objects.get(visitor=second.visitor).agent == longest
    third = visitor.open_visit(widget.key, SITE, "")
    say(third, "Hey", "c1")
    assert ChatSession.objects.get(visitor=third.visitor).agent == recent
    conversation = ChatSession.objects.get(visitor=third.visitor).conversation
    assert conversation.assignee == recent and conversation.location == north


def test_with_everyone_at_their_limit_a_chat_waits_for_the_first_agent_free(
    widget, north, django_capture_on_commit_callbacks
):
    only = agent("only", north, limit=0)
    visit = visitor.open_visit(widget.key, SITE, "")
    assert visitor.welcome(visit)["online"] is True  # someone is there, if busy
    replies = say(visit, "Where is my parcel?", "m1")
    session = ChatSession.objects.get(visitor=visit.visitor)
    assert session.status == SessionStatus.WAITING and replies[0]["chat"]["agent"] == ""
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_chat_limit(None, only, 1)  # free now: the waiting chat is theirs
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE and session.agent == only
    assert session.conversation.assignee == only
    # The next visitor waits until that chat ends.
    other = visitor.open_visit(widget.key, SITE, "")
    say(other, "Me too", "o1")
    waiting = ChatSession.objects.get(visitor=other.visitor)
    assert waiting.status == SessionStatus.WAITING
    with django_capture_on_commit_callbacks(execute=True):
        actions.end_chat(session, actions.AGENT, only)
    waiting.refresh_from_db()
    assert waiting.agent == only
    # Nobody of the location online at all: the widget takes a message instead.
    ChatAgent.objects.update(seen_at=None)
    third = visitor.open_visit(widget.key, SITE, "")
    assert visitor.welcome(third)["online"] is False
    assert say(third, "Hello?", "t1") == [{"type": "offline", "id": "t1"}]


def test_a_chat_is_a_conversation_on_the_customers_timeline_each_message_stored_once(
    widget, online
):
    customer = write_in(widget.location, "maria@example.com", "Earlier", name="Maria").customer
    visit = visitor.open_visit(widget.key, SITE, "")
    replies = say(visit, "Hello, my kettle", "k1", name="Maria", email="Maria@Example.com")
    assert [r["type"] for r in replies] == ["state", "ack"]
    ack = replies[1]
    assert ack["id"] == "k1" and ack["message"]["text"] == "Hello, my kettle"
    session = ChatSession.objects.get(visitor=visit.visitor)
    conversation = session.conversation
    assert conversation.channel == Channel.CHAT and conversation.customer == customer
    # the same message again (the answer was lost): nothing new
    again = say(visit, "Hello, my kettle", "k1")
    assert again[-1]["message"]["id"] == ack["message"]["id"]
    say(visit, "It leaks", "k2")
    say(visit, "It leaks", "k2")
    assert conversation.messages.count() == 2
    # the agent answers: the visitor's waits are answered, the response recorded
    answer = actions.agent_says(online, session, "Sorry to hear it!", client_id="n1")
    assert actions.agent_says(online, session, "Sorry to hear it!", client_id="n1") == answer
    assert answer.direction == Direction.OUTBOUND and answer.channel == Channel.CHAT
    conversation.refresh_from_db()
    assert conversation.first_response_at == answer.created_at
    assert not Wait.objects.filter(conversation=conversation, answered_at=None).exists()
    assert not OutboundEmail.objects.exists()  # a chat answer is no mail
    # a reconnecting widget gets what came after its last message, once
    history = visitor.welcome(visit, since=ack["message"]["id"])["messages"]
    assert [m["text"] for m in history] == ["It leaks", "Sorry to hear it!"]
    assert history[1]["from"] == "agent" and history[1]["name"] == "Nora"
    # the visitor ends it; a later message opens nothing in it
    assert visitor.handle(visit, {"type": "end"})[0]["chat"]["status"] == "ended"
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED and session.ended_by == "visitor"
    with pytest.raises(ActionError):
        actions.agent_says(online, session, "Still there?")


def test_an_anonymous_visitor_is_known_by_their_visitor_id(visit, online):
    say(visit, "Hi", "x1")
    session = ChatSession.objects.get(visitor=visit.visitor)
    assert Identity.objects.get(customer=session.conversation.customer).value == visit.visitor
    assert session.identity_kind == IdentityKind.CHAT


def test_nobody_online_the_message_becomes_an_email_conversation_answered_by_mail(
    widget, agent_north, smtp_server, settings
):
    visit = visitor.open_visit(widget.key, SITE, "")
    assert visitor.welcome(visit)["online"] is False
    refused = visitor.handle(visit, {"type": "offline", "id": "q1", "text": "Open Sunday?"})
    assert refused[0]["field"] == "email"
    left = visitor.handle(
        visit,
        {
            "type": "offline",
            "id": "q1",
            "text": "Open Sunday?",
            "name": "Otto",
            "email": "otto@example.com",
        },
    )
    assert left == [{"type": "left", "id": "q1"}]
    conversation = Conversation.objects.get(customer__name="Otto")
    assert conversation.channel == Channel.EMAIL and conversation.mailbox == widget.mailbox
    answer = conversation_actions.reply(agent_north, conversation, "Yes, 10 to 4.")
    outbound = OutboundEmail.objects.get(message=answer)
    assert outbox.deliver(outbound.pk) == "sent"
    mails = smtp_server.wait_for(1)
    sent = [m for m in mails if b"Yes, 10 to 4." in m.content]
    assert sent and sent[0].rcpt_tos == ["otto@example.com"]


def test_the_handshake_refuses_a_foreign_origin_a_forged_token_and_another_widgets(widget, north):
    with pytest.raises(visitor.Refused):
        visitor.open_visit(widget.key, "https://evil.test", "")
    with pytest.raises(visitor.Refused):
        visitor.open_visit("w_nope", SITE, "")
    visit = visitor.open_visit(widget.key, SITE, "")
    assert visitor.open_visit(widget.key, SITE, visit.token).visitor == visit.visitor
    forged = tokens.visitor_token("v" + "0" * 32, widget.pk)[:-2] + "xx"
    with pytest.raises(visitor.Refused):
        visitor.open_visit(widget.key, SITE, forged)
    other = actions.create_widget(None, name="Other", location=north, origins=SITE)
    with pytest.raises(visitor.Refused):
        visitor.open_visit(other.key, SITE, visit.token)
    old_key = widget.key
    actions.rotate_key(None, widget)
    with pytest.raises(visitor.Refused):
        visitor.open_visit(old_key, SITE, visit.token)


def test_messages_a_minute_are_limited_and_a_blocked_visitor_is_refused_quietly(
    visit, online, settings, agent_north
):
    settings.HELPLINE_CHAT_MESSAGES_PER_MINUTE = 3
    for n in range(3):
        assert say(visit, f"spam {n}", f"s{n}")[-1]["type"] == "ack"
    assert say(visit, "spam 3", "s3")[0]["field"] == "text"
    session = ChatSession.objects.get(visitor=visit.visitor)
    assert session.conversation.messages.count() == 3
    actions.block_visitor(agent_north, session, "spam")
    again = visitor.open_visit(visit_key(session), SITE, visit.token)
    assert again.blocked
    assert say(again, "let me in", "s9") == [{"type": "ack", "id": "s9", "message": None}]
    assert ChatSession.objects.filter(visitor=visit.visitor).count() == 1
    assert visitor.welcome(again)["online"] is False


def visit_key(session):
    return session.widget.key


def test_a_message_too_long_is_refused_naming_the_field(visit, online):
    refused = say(visit, "x" * 4001, "long")
    assert refused[0]["type"] == "error" and refused[0]["field"] == "text"
    assert not ChatSession.objects.exists()


def test_allowed_origins_are_checked_as_an_admin_types_them(admin, north):
    with pytest.raises(ActionError) as refused:
        actions.create_widget(admin, name="W", location=north, origins="shop.test/path")
    assert refused.value.field == "origins"
    widget = actions.create_widget(
        admin, name="W", location=north, origins="https://Shop.test/\n\nhttp://127.0.0.1:8031"
    )
    assert widget.origins() == ["https://shop.test", "http://127.0.0.1:8031"]
    assert widget.allows("https://shop.test") and not widget.allows("https://shop.test.evil")


def test_a_chat_has_its_own_first_response_target_in_seconds(visit, online):
    from helpline.sla.models import SlaPolicy

    SlaPolicy.objects.create(name="All", first_response_minutes=240, chat_first_response_seconds=90)
    email = write_in(visit_location(visit), "ed@example.com", "Mail")
    say(visit, "Quick question", "t1")
    chat = ChatSession.objects.get(visitor=visit.visitor).conversation
    email.refresh_from_db()
    # Both wait from their message; the chat's target is 90 business seconds, the mail's 4 hours
    # (the location keeps no opening hours here: every second counts).
    assert (chat.response_due_at - chat.waiting_since).total_seconds() == 90
    assert (email.response_due_at - email.waiting_since).total_seconds() == 240 * 60


def visit_location(visit):
    from helpline.core.models import Location

    return Location.objects.get(pk=visit.location_id)


def test_after_the_chat_the_visitor_rates_it_inline_and_gets_the_transcript_by_mail(
    visit, online, smtp_server
):
    from helpline.feedback.models import Answer

    say(visit, "Hello", "h1")
    session = ChatSession.objects.get(visitor=visit.visitor)
    actions.agent_says(online, session, "Hi! How can I help?")
    assert visitor.handle(visit, {"type": "survey", "score": 5})[0]["field"] == "score"  # not yet
    actions.end_chat(session, actions.AGENT, online)
    assert visitor.handle(visit, {"type": "survey", "score": "5"})[0]["field"] == "score"
    assert visitor.handle(visit, {"type": "survey", "score": 4}) == [{"type": "rated", "score": 4}]
    visitor.handle(visit, {"type": "survey", "score": 5})  # changed its mind: one answer
    answer = Answer.objects.get(conversation=session.conversation)
    assert answer.score == 5 and answer.agent == online and answer.kind == "csat"
    # An anonymous visitor gives an address for the transcript.
    refused = visitor.handle(visit, {"type": "transcript"})
    assert refused[0]["field"] == "email"
    sent = visitor.handle(visit, {"type": "transcript", "email": "vic@example.com"})
    assert sent == [{"type": "transcript_sent"}]
    outbound = OutboundEmail.objects.get()
    assert outbox.deliver(outbound.pk) == "sent"
    mail = smtp_server.wait_for(1)[0]
    assert mail.rcpt_tos == ["vic@example.com"]
    assert b"Hello" in mail.content and b"Hi! How can I help?" in mail.content


def test_a_widget_showing_the_offline_form_learns_when_someone_comes_online(visit, agent_north):
    assert visitor.handle(visit, {"type": "status"}) == [{"type": "status", "online": False}]
    actions.seen(agent_north)
    assert visitor.handle(visit, {"type": "status"}) == [{"type": "status", "online": True}]


def test_the_inbox_lists_open_chats_waiting_first_with_their_wait(widget, north, client):
    only = agent("only", north, limit=1)
    answered = visitor.open_visit(widget.key, SITE, "")
    say(answered, "First", "a1")
    actions.agent_says(only, ChatSession.objects.get(visitor=answered.visitor), "Hello!")
    unanswered = visitor.open_visit(widget.key, SITE, "")
    say(unanswered, "Second", "b1")  # `only` is at their limit: it waits for an agent
    client.force_login(only)
    page = client.get("/").content.decode()
    rows = page[page.index('id="open-chats"') :]
    assert rows.index("waiting for an agent") < rows.index("answered after")


def test_a_chat_rated_inline_is_not_surveyed_again_by_mail_when_solved(visit, online):
    from helpline.feedback import actions as feedback_actions
    from helpline.feedback.models import SurveyPolicy

    SurveyPolicy.objects.create(name="Everyone")
    say(visit, "Hello", "h1", email="rita@example.com")
    session = ChatSession.objects.get(visitor=visit.visitor)
    actions.agent_says(online, session, "Hi Rita")
    conversation = session.conversation
    customer = conversation.customer
    assert feedback_actions.why_not(customer, conversation, "contact") == ""
    actions.end_chat(session, actions.VISITOR)
    visitor.handle(visit, {"type": "survey", "score": 4})
    reason = feedback_actions.why_not(customer, conversation, "contact")
    assert reason == "the customer was asked in the chat"


def test_blocking_a_visitor_is_told_on_the_bus_and_the_desk_closes_their_widgets(
    visit, online, agent_north, django_capture_on_commit_callbacks
):
    from helpline.core.events import EventName, Phase, subscribe, subscriptions, unsubscribe
    from helpline.desk import chat_live

    say(visit, "hello", "h1")
    session = ChatSession.objects.get(visitor=visit.visitor)
    told = []

    def heard(event):
        told.append(event.payload)

    subscribe(EventName.CHAT_VISITOR_BLOCKED, heard, phase=Phase.ON_COMMIT)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.block_visitor(agent_north, session, "spam")
    finally:
        unsubscribe(EventName.CHAT_VISITOR_BLOCKED, heard)
    assert [t["visitor"] for t in told] == [visit.visitor]
    assert told[0]["session_id"] == session.pk
    listeners = [s.handler for s in subscriptions(EventName.CHAT_VISITOR_BLOCKED)]
    assert chat_live.drop_visitor in listeners
