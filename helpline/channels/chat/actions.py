"""Everything that changes the chat channel's rows: each action is one transaction, writes
one activity row (verbs.py) and publishes its event.

A visitor's messages go through `conversations.receive` like every channel's (a chat is a
conversation on channel "chat"); an agent's go through `conversations.actions.chat_reply`.
A message left while nobody is online becomes an email conversation, answered by email.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, prefetch_related_objects
from django.utils import timezone

from helpline.channels.chat.models import (
    BlockedVisitor,
    ChatAgent,
    ChatSession,
    ChatWidget,
    SessionStatus,
    new_key,
)
from helpline.channels.chat.verbs import Verb
from helpline.conversations import actions as conversation_actions
from helpline.conversations import outgoing
from helpline.conversations.actions import MAX_CHAT_TEXT
from helpline.conversations.models import Channel, Message
from helpline.conversations.receive import Inbound, IncomingAttachment, receive, receive_many
from helpline.core.activity import record
from helpline.core.addresses import InvalidAddress, one_address, one_line
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish, publish_many
from helpline.core.models import Location, Mailbox, User
from helpline.customers.models import IdentityKind
from helpline.feedback import actions as feedback_actions

MAX_NAME = 200
MAX_CLIENT_ID = 64
VISITOR, AGENT = "visitor", "agent"


# The admin's side ---------------------------------------------------------------------------


def _origins(text: str) -> str:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        origin = line.strip().rstrip("/")
        if not origin:
            continue
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host or " " in host:
            raise ActionError(
                f"line {number}: an origin is http(s)://host[:port], without a path", "origins"
            )
        lines.append(origin.lower())
    return "\n".join(lines)


@transaction.atomic
def create_widget(
    actor: User,
    *,
    name: str,
    location: Location,
    mailbox: Mailbox | None = None,
    origins: str = "",
) -> ChatWidget:
    if not name.strip():
        raise ActionError("give the widget a name", "name")
    widget = ChatWidget.objects.create(
        name=one_line(name)[:200],
        location=location,
        mailbox=mailbox,
        allowed_origins=_origins(origins),
    )
    record(actor, Verb.WIDGET_CREATED, widget, location_id=location.pk)
    return widget


@transaction.atomic
def change_widget(
    actor: User,
    widget: ChatWidget,
    *,
    name: str,
    location: Location,
    mailbox: Mailbox | None,
    origins: str,
    active: bool = True,
) -> ChatWidget:
    if not name.strip():
        raise ActionError("give the widget a name", "name")
    widget = ChatWidget.objects.select_for_update().get(pk=widget.pk)
    widget.name = one_line(name)[:200]
    widget.location = location
    widget.mailbox = mailbox
    widget.allowed_origins = _origins(origins)
    widget.active = active
    widget.save()
    record(actor, Verb.WIDGET_CHANGED, widget, origins=widget.origins(), active=active)
    return widget


@transaction.atomic
def rotate_key(actor: User, widget: ChatWidget) -> ChatWidget:
    """A new key: pages with the old `<script>` tag stop opening chats (a leaked key)."""
    widget = ChatWidget.objects.select_for_update().get(pk=widget.pk)
    widget.key = new_key()
    widget.rotated_at = timezone.now()
    widget.save(update_fields=["key", "rotated_at"])
    record(actor, Verb.KEY_ROTATED, widget)
    return widget


@transaction.atomic
def set_chat_limit(actor: User, agent: User, limit: int) -> ChatAgent:
    if not 0 <= limit <= 20:
        raise ActionError("a chat limit is between 0 and 20 chats at once", "chat_limit")
    row, _ = ChatAgent.objects.select_for_update().get_or_create(user=agent)
    row.chat_limit = limit
    row.save(update_fields=["chat_limit"])
    record(actor, Verb.LIMIT_SET, agent, chat_limit=limit)
    transaction.on_commit(lambda: offer_waiting(agent.location_ids()))
    return row


@transaction.atomic
def block_visitor(actor: User, session: ChatSession, reason: str = "") -> BlockedVisitor:
    blocked, _ = BlockedVisitor.objects.get_or_create(
        visitor=session.visitor, defaults={"blocked_by": actor, "reason": one_line(reason)[:200]}
    )
    record(actor, Verb.VISITOR_BLOCKED, session, visitor=session.visitor)
    if session.open:
        _end(session, AGENT, actor)
    publish(
        EventName.CHAT_VISITOR_BLOCKED,
        session_id=session.pk,
        conversation_id=session.conversation_id,
        location_id=session.widget.location_id,
        visitor=session.visitor,
    )
    return blocked


def is_blocked(visitor: str) -> bool:
    return BlockedVisitor.objects.filter(visitor=visitor).exists()


# Presence and routing ------------------------------------------------------------------------


def seen(user: User) -> None:
    """The agent's desk is open (a heartbeat, or their desk socket): they may take chats.

    Not an activity: a heartbeat changes nothing anyone acts on."""
    updated = ChatAgent.objects.filter(user=user).update(seen_at=timezone.now())
    if not updated:
        ChatAgent.objects.get_or_create(user=user, defaults={"seen_at": timezone.now()})
    if ChatSession.objects.filter(
        status=SessionStatus.WAITING, widget__location__in=user.location_ids()
    ).exists():
        offer_waiting(user.location_ids())


def gone(user: User) -> None:
    """The agent closed their desk (their last desk socket closed)."""
    ChatAgent.objects.filter(user=user).update(seen_at=None)


def available_agents(location_id: int):
    """The agents of the location who are online and under their chat limit, the longest
    idle first."""
    since = timezone.now() - timedelta(seconds=settings.HELPLINE_CHAT_ONLINE_SECONDS)
    return (
        ChatAgent.objects.filter(
            user__locations=location_id, user__is_active=True, seen_at__gte=since
        )
        .annotate(
            open_chats=Count(
                "user__chat_sessions",
                filter=Q(user__chat_sessions__status=SessionStatus.ACTIVE),
                distinct=True,
            )
        )
        .filter(open_chats__lt=F("chat_limit"))
        .order_by(F("idle_since").asc(nulls_first=True), "user_id")
    )


def _choose(location_id: int) -> ChatAgent | None:
    """The longest idle agent free now, their row locked and their open chats counted again
    under the lock: two chats starting at once never take an agent over their limit."""
    for pk in list(available_agents(location_id).values_list("pk", flat=True)[:20]):
        row = ChatAgent.objects.select_for_update().select_related("user").get(pk=pk)
        busy = ChatSession.objects.filter(agent_id=row.user_id, status=SessionStatus.ACTIVE)
        if busy.count() < row.chat_limit:
            return row
    return None


def online_agents(location_id: int):
    since = timezone.now() - timedelta(seconds=settings.HELPLINE_CHAT_ONLINE_SECONDS)
    return ChatAgent.objects.filter(
        user__locations=location_id, user__is_active=True, seen_at__gte=since
    )


def anyone_online(widget: ChatWidget) -> bool:
    """Someone of the widget's location is online: a new chat is taken, or waits for them."""
    return online_agents(widget.location_id).exists()


def offer_waiting(location_ids) -> int:
    """Give the chats waiting at these locations, the longest waiting first, to the agents
    who are free now (after a chat ended, a limit was raised, an agent came online); how many
    were given."""
    given = 0
    for location_id in sorted(set(location_ids)):
        while True:
            with transaction.atomic():
                session = (
                    ChatSession.objects.select_for_update(skip_locked=True)
                    .filter(status=SessionStatus.WAITING, widget__location_id=location_id)
                    .order_by("started_at", "pk")
                    .first()
                )
                if session is None:
                    break
                chosen = _choose(location_id)
                if chosen is None:
                    break
                _give(session, chosen.user, timezone.now())
                record(None, Verb.ASSIGNED, session, agent_id=chosen.user_id)
                publish(EventName.CHAT_ASSIGNED, **_payload(session))
                given += 1
    return given


# The visitor's side -------------------------------------------------------------------------


@dataclass
class About:
    """What the visitor said about themselves (both optional)."""

    name: str = ""
    email: str = ""


def _email(value: str) -> str:
    try:
        return one_address(value)
    except InvalidAddress as exc:
        raise ActionError(str(exc), "email") from None


def _identity(visitor: str, about: About) -> tuple[str, str]:
    if about.email.strip():
        return IdentityKind.EMAIL, _email(about.email)
    return IdentityKind.CHAT, visitor


def _text(text: str) -> str:
    if not text.strip():
        raise ActionError("a message needs text", "text")
    if len(text) > MAX_CHAT_TEXT:
        raise ActionError(f"a chat message has at most {MAX_CHAT_TEXT} characters", "text")
    return text


def _client_id(client_id: str) -> str:
    if not client_id or len(client_id) > MAX_CLIENT_ID or not client_id.isascii():
        raise ActionError("every message carries its own id", "id")
    return client_id


@dataclass
class Start:
    """A visitor's first message, which starts their chat."""

    widget: ChatWidget
    visitor: str
    text: str
    client_id: str
    about: About = field(default_factory=About)
    page: str = ""


def start_chat(
    widget: ChatWidget, visitor: str, text: str, *, client_id: str, about: About, page: str = ""
) -> ChatSession:
    """The visitor's first message: a new chat conversation at the widget's location, given to
    the longest-idle agent online under their limit, or waiting for one."""
    started = start_chats([Start(widget, visitor, text, client_id, about, page)])[0]
    if isinstance(started, ActionError):
        raise started
    return started


@transaction.atomic
def start_chats(starts: Sequence[Start]) -> list[ChatSession | ActionError]:
    """Several visitors' first messages received together in one transaction (writer.py),
    each starting its chat as `start_chat` does; each gets its chat, or the error that
    refused it alone."""
    refusals: list[ActionError | None] = []
    accepted: list[tuple[Start, Inbound]] = []
    for start in starts:
        try:
            text, client_id = _text(start.text), _client_id(start.client_id)
            kind, value = _identity(start.visitor, start.about)
        except ActionError as refused:
            refusals.append(refused)
            continue
        refusals.append(None)
        inbound = Inbound(
            channel=Channel.CHAT,
            identity_kind=kind,
            identity_value=value,
            name=one_line(start.about.name)[:MAX_NAME],
            subject=f"Chat: {one_line(text)[:60]}",
            text=text,
            external_id=f"chat:{start.visitor}:{client_id}",
            location=start.widget.location,
            mailbox=start.widget.mailbox,
            meta={"chat_widget": start.widget.pk},
        )
        accepted.append((start, inbound))
    now = timezone.now()
    sessions, started = [], []
    received_all = receive_many([inbound for _, inbound in accepted])
    for (start, inbound), received in zip(accepted, received_all, strict=True):
        if not received.created:  # the same first message again (a lost answer): its chat
            conversation_id = received.message.conversation_id
            sessions.append(ChatSession.objects.get(conversation=conversation_id))
            continue
        conversation = received.message.conversation
        chosen = _choose(start.widget.location_id)
        session = ChatSession.objects.create(
            widget=start.widget,
            visitor=start.visitor,
            conversation=conversation,
            identity_kind=inbound.identity_kind,
            identity_value=inbound.identity_value,
            started_at=now,
            page=start.page[:2000],
        )
        if chosen is not None:
            _give(session, chosen.user, now)
        record(
            None, Verb.STARTED, session, conversation_id=conversation.pk, agent_id=session.agent_id
        )
        sessions.append(session)
        started.append(session)
    publish_many(EventName.CHAT_STARTED, [_payload(session) for session in started])
    stored = iter(sessions)
    return [refused or next(stored) for refused in refusals]


def _give(session: ChatSession, agent: User, now) -> None:
    conversation_actions.assign(None, session.conversation, assignee=agent)
    session.agent = agent
    session.status = SessionStatus.ACTIVE
    session.save(update_fields=["agent", "status"])
    ChatAgent.objects.filter(user=agent).update(idle_since=now)


def visitor_says(session: ChatSession, text: str, *, client_id: str) -> Message:
    """A later message of the visitor in their chat (stored once, however often it is sent)."""
    said = visitors_say([(session, text, client_id)])[0]
    if isinstance(said, ActionError):
        raise said
    return said


def visitors_say(said: Sequence[tuple[ChatSession, str, str]]) -> list[Message | ActionError]:
    """Later messages of visitors in their chats, each (session, text, client id), received
    together in one transaction: a busy server stores what arrived meanwhile at once (see
    writer.py). Each gets its stored message, or the error that refused it alone."""
    refusals: list[ActionError | None] = []
    inbounds = []
    for session, text, client_id in said:
        try:
            text, client_id = _text(text), _client_id(client_id)
            if not session.open:
                raise ActionError("this chat has ended", "session")
        except ActionError as refused:
            refusals.append(refused)
            continue
        refusals.append(None)
        inbounds.append(
            Inbound(
                channel=Channel.CHAT,
                identity_kind=session.identity_kind,
                identity_value=session.identity_value,
                text=text,
                external_id=f"chat:{session.visitor}:{client_id}",
                conversation=session.conversation,
                meta={"chat_widget": session.widget_id},
            )
        )
    stored = iter([received.message for received in receive_many(inbounds)])
    results: list[Message | ActionError] = [refused or next(stored) for refused in refusals]
    prefetch_related_objects([r for r in results if isinstance(r, Message)], "attachments")
    return results


def visitor_sends_file(
    session: ChatSession, filename: str, content: bytes, *, client_id: str
) -> Message:
    """A file from the visitor in their chat: the desk's attachment rules (no programs, the
    size limit of the widget's mailbox or the desk's), stored privately like any attachment."""
    client_id = _client_id(client_id)
    if not session.open:
        raise ActionError("this chat has ended", "session")
    files = outgoing.checked_files(
        [IncomingAttachment(filename, "", content)],
        outgoing.attachment_limit(session.widget.mailbox),
        "file",
    )
    received = receive(
        Inbound(
            channel=Channel.CHAT,
            identity_kind=session.identity_kind,
            identity_value=session.identity_value,
            text=f"Sent a file: {files[0].filename}",
            external_id=f"chat:{session.visitor}:{client_id}",
            conversation=session.conversation,
            attachments=files,
            meta={"chat_widget": session.widget_id},
        )
    )
    return received.message


@transaction.atomic
def agent_says(agent: User, session: ChatSession, text: str, *, client_id: str = "") -> Message:
    """The agent's answer in the chat; an agent who answers a waiting chat takes it."""
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if not session.open:
        raise ActionError("this chat has ended: answer by email instead", "session")
    if not agent.serves(session.widget.location_id):
        raise ActionError("this chat is for another location", "session")
    now = timezone.now()
    if session.agent_id is None:
        _give(session, agent, now)
        record(agent, Verb.ASSIGNED, session, agent_id=agent.pk)
        publish(EventName.CHAT_ASSIGNED, **_payload(session))
    message = conversation_actions.chat_reply(
        agent, session.conversation, text, client_id=client_id[:MAX_CLIENT_ID]
    )
    if session.answered_at is None:
        session.answered_at = message.created_at
        session.save(update_fields=["answered_at"])
    return message


@transaction.atomic
def end_chat(session: ChatSession, by: str, actor: User | None = None) -> ChatSession:
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if not session.open:
        return session
    return _end(session, by, actor)


def _end(session: ChatSession, by: str, actor: User | None) -> ChatSession:
    now = timezone.now()
    session.status = SessionStatus.ENDED
    session.ended_at = now
    session.ended_by = by
    session.save(update_fields=["status", "ended_at", "ended_by"])
    if session.agent_id:
        ChatAgent.objects.filter(user_id=session.agent_id).update(idle_since=now)
    record(actor, Verb.ENDED, session, by=by, conversation_id=session.conversation_id)
    publish(EventName.CHAT_ENDED, **_payload(session))
    # Its agent is free for the next waiting chat, once this has committed.
    location_id = session.widget.location_id
    transaction.on_commit(lambda: offer_waiting([location_id]))
    return session


def leave_message(
    widget: ChatWidget, visitor: str, text: str, *, client_id: str, about: About
) -> Message:
    """Nobody is online: the visitor's message becomes an email conversation at the widget's
    location, answered by email (from the widget's mailbox)."""
    text, client_id = _text(text), _client_id(client_id)
    if not about.email.strip():
        raise ActionError("give your email address, so that we can answer", "email")
    email = _email(about.email)
    received = receive(
        Inbound(
            channel=Channel.EMAIL,
            identity_kind=IdentityKind.EMAIL,
            identity_value=email,
            name=one_line(about.name)[:MAX_NAME],
            subject=f"Website chat: {one_line(text)[:60]}",
            text=text,
            external_id=f"chat-offline:{visitor}:{client_id}",
            location=widget.location,
            mailbox=widget.mailbox,
            meta={"chat_widget": widget.pk, "left_offline": True},
        )
    )
    return received.message


@transaction.atomic
def send_transcript(session: ChatSession, email: str = "") -> Message:
    """Mail the chat's messages to the visitor (the address given now, or the one they chatted
    with), from the widget's mailbox; it is on the conversation's timeline like any mail."""
    if email.strip():
        address = _email(email)
    elif session.identity_kind == IdentityKind.EMAIL:
        address = session.identity_value
    else:
        raise ActionError("give your email address for the transcript", "email")
    lines = []
    chat = session.conversation.messages.filter(channel=Channel.CHAT).select_related("author")
    for message in chat.order_by("created_at", "pk"):
        author = message.author
        who = (author.first_name or author.username) if author else "You"
        lines.append(f"{who} ({message.created_at:%Y-%m-%d %H:%M} UTC): {message.text}")
    text = "Your chat with us:\n\n" + "\n\n".join(lines)
    message = conversation_actions.send_mail(
        None,
        session.conversation,
        text,
        address,
        meta={"chat_transcript": session.pk},
        subject="Your chat transcript",
        mailbox=session.widget.mailbox,
    )
    record(None, Verb.TRANSCRIPT_SENT, session, message_id=message.pk)
    return message


def rate(session: ChatSession, score) -> None:
    """The visitor's answer to the survey asked inline when the chat ends (CSAT, 1 to 5)."""
    if session.open:
        raise ActionError("the chat is still going on", "score")
    if not isinstance(score, int) or isinstance(score, bool):
        raise ActionError("choose a score from 1 to 5", "score")
    feedback_actions.answer_in_chat(session.conversation, score)


def _payload(session: ChatSession) -> dict:
    return {
        "session_id": session.pk,
        "conversation_id": session.conversation_id,
        "location_id": session.widget.location_id,
        "agent_id": session.agent_id,
        "status": session.status,
        "ended_by": session.ended_by,
    }
