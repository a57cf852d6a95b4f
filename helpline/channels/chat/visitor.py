"""The visitor's side of a chat, whatever carries it: what the widget's socket does with each
frame, in plain synchronous code (the consumer runs it in a thread).

A frame is a JSON object with a "type":

* ``message`` {id, text, name?, email?, page?}: the first one starts a chat (or, when nobody
  is online, it is refused with "offline"); answered with ``ack`` {id, message}. The id is the
  widget's own: a message sent again after a lost connection is stored once.
* ``offline`` {id, text, name?, email}: a message left while nobody is online (email).
* ``typing`` {typing}: passed to the agents' desk.
* ``end``: the visitor ends the chat.
* ``sync`` {since}: the messages after the message id `since` (after a reconnect).
* ``status``: whether anyone is online now (a widget showing the offline form asks again).

A refused frame is answered with ``error`` {id?, field, error} naming the field.
"""

from dataclasses import dataclass

from helpline.channels.chat import actions, limits, live, tokens
from helpline.channels.chat.models import ChatSession, ChatWidget, SessionStatus
from helpline.conversations.models import Channel, Message, MessageKind
from helpline.core.errors import ActionError
from helpline.feedback.actions import SurveyClosed

HISTORY = 200  # messages a widget is given at most on (re)connecting


class Refused(Exception):
    """The handshake is refused: an unknown key, an origin not allowed, a forged token,
    too many connections from one address."""


@dataclass
class Visit:
    widget_id: int
    location_id: int
    visitor: str
    token: str
    blocked: bool


def open_visit(key: str, origin: str, token: str) -> Visit:
    widget = ChatWidget.objects.filter(key=key, active=True).first() if key else None
    if widget is None:
        raise Refused("unknown widget key")
    if not widget.allows(origin):
        raise Refused("origin not allowed")
    if token:
        try:
            visitor = tokens.read_visitor_token(token, widget.pk)
        except tokens.BadToken:
            raise Refused("bad visitor token") from None
    else:
        visitor = tokens.new_visitor()
        token = tokens.visitor_token(visitor, widget.pk)
    return Visit(widget.pk, widget.location_id, visitor, token, actions.is_blocked(visitor))


def current_session(visit: Visit) -> ChatSession | None:
    return current_sessions([visit]).get((visit.widget_id, visit.visitor))


def current_sessions(visits: list[Visit]) -> dict[tuple[int, str], ChatSession]:
    """The visitors' chats not ended, by (widget, visitor), in one query."""
    sessions = (
        # By visitor alone: its index finds the few rows, where the widget's would find all.
        ChatSession.objects.filter(visitor__in={visit.visitor for visit in visits})
        .exclude(status=SessionStatus.ENDED)
        .select_related("agent", "conversation")
        .order_by("pk")  # the latest last: it wins
    )
    return {(session.widget_id, session.visitor): session for session in sessions}


def welcome(visit: Visit, since: int = 0) -> dict:
    widget = ChatWidget.objects.get(pk=visit.widget_id)
    session = None if visit.blocked else current_session(visit)
    return {
        "type": "welcome",
        "token": visit.token,
        "online": (not visit.blocked) and actions.anyone_online(widget),
        "chat": live.state_json(session),
        "messages": history(session, since),
    }


def history(session: ChatSession | None, since: int = 0) -> list[dict]:
    if session is None:
        return []
    messages = (
        Message.objects.filter(
            conversation_id=session.conversation_id,
            channel=Channel.CHAT,
            kind=MessageKind.NORMAL,
            pk__gt=since,
        )
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("pk")
    )
    return [live.message_json(m) for m in messages[:HISTORY]]


def handle(visit: Visit, frame: dict) -> list[dict]:
    """The frames to send back to this socket for one frame of the widget."""
    kind = frame.get("type")
    client_id = str(frame.get("id", ""))[:64]
    try:
        if kind == "message":
            return handle_messages([(visit, frame)])[0]
        if kind == "offline":
            return _offline(visit, frame, client_id)
        if kind == "end":
            session = current_session(visit)
            if session is not None and not visit.blocked:
                actions.end_chat(session, actions.VISITOR)
            return [
                {"type": "state", "chat": {"status": SessionStatus.ENDED, "ended_by": "visitor"}}
            ]
        if kind == "transcript":
            return _transcript(visit, frame)
        if kind == "survey":
            return _survey(visit, frame)
        if kind == "status":  # asked again while nobody was online
            widget = ChatWidget.objects.get(pk=visit.widget_id)
            online = (not visit.blocked) and actions.anyone_online(widget)
            return [{"type": "status", "online": online}]
        if kind == "sync":
            since = frame.get("since")
            since = since if isinstance(since, int) and since >= 0 else 0
            session = None if visit.blocked else current_session(visit)
            return [{"type": "sync", "messages": history(session, since)}]
    except ActionError as exc:
        return [_refused(client_id, exc)]
    return [{"type": "error", "field": "type", "error": "unknown frame"}]


def _ack(client_id: str, message: Message) -> dict:
    return {"type": "ack", "id": client_id, "message": live.message_json(message)}


def _refused(client_id: str, error: ActionError) -> dict:
    return {"type": "error", "id": client_id, "field": error.field, "error": str(error)}


def handle_messages(frames: list[tuple[Visit, dict]]) -> list[list[dict]]:
    """What `handle` answers to each of several ``message`` frames: the visitors' first
    messages start their chats together, then the later messages of chats are stored
    together (writer.py)."""
    answers: list[list[dict]] = [[] for _ in frames]
    sessions = current_sessions([visit for visit, _ in frames])
    firsts: dict[str, tuple[int, Visit, dict, str]] = {}  # by visitor
    later: list[tuple[int, ChatSession, str, str]] = []
    again: list[int] = []  # a second tab's first message: after its chat has started
    for index, (visit, frame) in enumerate(frames):
        session = sessions.get((visit.widget_id, visit.visitor))
        client_id = str(frame.get("id", ""))[:64]
        if visit.blocked:  # quietly: as if it went through
            answers[index] = [{"type": "ack", "id": client_id, "message": None}]
        elif (refused := _limited(visit, client_id)) is not None:
            answers[index] = refused
        elif session is not None:
            later.append((index, session, _text(frame), client_id))
        elif visit.visitor in firsts:
            again.append(index)
        else:
            firsts[visit.visitor] = (index, visit, frame, client_id)
    _start(list(firsts.values()), answers)
    said = actions.visitors_say(
        [(session, text, client_id) for _, session, text, client_id in later]
    )
    for (index, _, _, client_id), result in zip(later, said, strict=True):
        if isinstance(result, ActionError):
            answers[index] = [_refused(client_id, result)]
        else:
            answers[index] = [_ack(client_id, result)]
    for index in again:
        visit, frame = frames[index]
        session = current_session(visit)
        client_id = str(frame.get("id", ""))[:64]
        try:
            if session is None:  # its first message was refused
                raise ActionError("this chat has not started", "session")
            answers[index] = [
                _ack(client_id, actions.visitor_says(session, _text(frame), client_id=client_id))
            ]
        except ActionError as exc:
            answers[index] = [_refused(client_id, exc)]
    return answers


def _start(firsts: list[tuple[int, Visit, dict, str]], answers: list[list[dict]]) -> None:
    """Start the chats of these first messages together; where nobody of a widget's location
    is online, tell the widget to take a message instead."""
    if not firsts:  # most batches: no empty transaction for them
        return
    widgets = ChatWidget.objects.select_related("location", "mailbox").in_bulk(
        {visit.widget_id for _, visit, _, _ in firsts}
    )
    online = {pk: actions.anyone_online(widget) for pk, widget in widgets.items()}
    starting = []
    for index, visit, frame, client_id in firsts:
        if not online[visit.widget_id]:
            answers[index] = [{"type": "offline", "id": client_id}]
            continue
        page = frame.get("page")
        start = actions.Start(
            widgets[visit.widget_id],
            visit.visitor,
            _text(frame),
            client_id,
            _about(frame),
            page if isinstance(page, str) else "",
        )
        starting.append((index, client_id, start))
    started = actions.start_chats([start for _, _, start in starting])
    for (index, client_id, _), session in zip(starting, started, strict=True):
        if isinstance(session, ActionError):
            answers[index] = [_refused(client_id, session)]
            continue
        first = session.conversation.messages.order_by("pk").first()
        answers[index] = [
            {"type": "state", "chat": live.state_json(session)},
            {
                "type": "ack",
                "id": client_id,
                "message": live.message_json(first) if first else None,
            },
        ]


def _text(frame: dict) -> str:
    text = frame.get("text")
    return text if isinstance(text, str) else ""


def _about(frame: dict) -> actions.About:
    name, email = frame.get("name"), frame.get("email")
    return actions.About(
        name=name if isinstance(name, str) else "", email=email if isinstance(email, str) else ""
    )


def _limited(visit: Visit, client_id: str) -> list[dict] | None:
    if limits.message_allowed(visit.visitor):
        return None
    return [
        {
            "type": "error",
            "id": client_id,
            "field": "text",
            "error": "slow down: too many messages a minute",
        }
    ]


def _offline(visit: Visit, frame: dict, client_id: str) -> list[dict]:
    if visit.blocked:
        return [{"type": "left", "id": client_id}]
    if (refused := _limited(visit, client_id)) is not None:
        return refused
    widget = ChatWidget.objects.select_related("location", "mailbox").get(pk=visit.widget_id)
    actions.leave_message(
        widget, visit.visitor, _text(frame), client_id=client_id, about=_about(frame)
    )
    return [{"type": "left", "id": client_id}]


def _last_session(visit: Visit) -> ChatSession | None:
    return (
        ChatSession.objects.filter(widget_id=visit.widget_id, visitor=visit.visitor)
        .select_related("widget", "conversation")
        .order_by("-pk")
        .first()
    )


def _transcript(visit: Visit, frame: dict) -> list[dict]:
    session = None if visit.blocked else _last_session(visit)
    if session is None:
        return [{"type": "error", "field": "transcript", "error": "no chat to send"}]
    if (refused := _limited(visit, "")) is not None:
        return refused
    email = frame.get("email")
    actions.send_transcript(session, email if isinstance(email, str) else "")
    return [{"type": "transcript_sent"}]


def _survey(visit: Visit, frame: dict) -> list[dict]:
    session = None if visit.blocked else _last_session(visit)
    if session is None:
        return [{"type": "error", "field": "score", "error": "no chat to rate"}]
    try:
        actions.rate(session, frame.get("score"))
    except SurveyClosed:
        return [{"type": "error", "field": "score", "error": "this chat can no longer be rated"}]
    return [{"type": "rated", "score": frame.get("score")}]
