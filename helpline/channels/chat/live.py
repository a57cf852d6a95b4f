"""What goes out live over the sockets: the frames, and to which group.

The visitor's widgets (every tab of one visitor) listen on the visitor's group. Pushes are
best effort (the desk sends them on commit through helpline.realtime, desk/chat_live.py): a
socket that missed one asks for what came after the last message it saw, so nothing is lost,
and every message carries its id, so nothing is shown twice.
"""

from django.db import transaction

from helpline.channels.chat.models import ChatSession, SessionStatus
from helpline.conversations.models import Direction, Message
from helpline.core.events import Event, EventName, publish


def visitor_group(visitor: str) -> str:
    return f"chat.visitor.{visitor}"


def message_json(message: Message) -> dict:
    """A chat message as the widget and the desk's chat show it."""
    author = message.author
    external = message.external_id
    return {
        "id": message.pk,
        "from": "visitor" if message.direction == Direction.INBOUND else "agent",
        "name": (author.first_name or author.username) if author else "",
        "text": message.text,
        "at": message.created_at.isoformat(),
        # The sender's own id of the message: its page replaces its pending copy with this one.
        "client": external.rsplit(":", 1)[-1] if external.startswith("chat") else "",
        # Its files: the desk links them (/attachments/<id>/, signed in); the widget names them.
        "files": [{"id": a.pk, "name": a.filename} for a in message.attachments.all()],
    }


def state_json(session: ChatSession | None) -> dict | None:
    if session is None:
        return None
    agent = session.agent
    return {
        "id": session.pk,
        "status": session.status,
        "agent": (agent.first_name or agent.username) if agent else "",
        "ended_by": session.ended_by,
    }


def for_visitors(events: list[Event]) -> list[tuple[str, dict]]:
    """(group, frame) telling chats' visitors of messages or of their chat's state, in a few
    queries for all; nothing for an event of no chat."""
    states = {EventName.CHAT_STARTED, EventName.CHAT_ASSIGNED, EventName.CHAT_ENDED}
    sessions = ChatSession.objects.select_related("agent").in_bulk(
        [event["session_id"] for event in events if event.name in states]
    )
    said = [event for event in events if event.name not in states]
    visitors: dict[int, str] = {}
    for conversation_id, visitor in (
        ChatSession.objects.filter(conversation_id__in={e["conversation_id"] for e in said})
        .order_by("-pk")  # a conversation's first chat last: it wins, as it started it
        .values_list("conversation_id", "visitor")
    ):
        visitors[conversation_id] = visitor
    messages = (
        Message.objects.select_related("author")
        .prefetch_related("attachments")
        .in_bulk([e["message_id"] for e in said if e["conversation_id"] in visitors])
    )
    frames = []
    for event in events:
        if event.name in states:
            if (session := sessions.get(event["session_id"])) is not None:
                state = {"type": "chat.state", "state": state_json(session)}
                frames.append((visitor_group(session.visitor), state))
        elif (message := messages.get(event["message_id"])) is not None:
            frame = {"type": "chat.message", "message": message_json(message)}
            frames.append((visitor_group(visitors[event["conversation_id"]]), frame))
    return frames


def visitor_typing(visitor: str, typing: bool) -> None:
    """Tell the desk (the bus's CHAT_TYPING, pushed to the agents' sockets by the desk)."""
    session = (
        ChatSession.objects.filter(visitor=visitor)
        .exclude(status=SessionStatus.ENDED)
        .select_related("widget")
        .order_by("-pk")
        .first()
    )
    if session is not None:
        _typing(session, typing, "visitor", "")


def agent_typing(session: ChatSession, name: str, typing: bool) -> None:
    """Tell the chat's visitor (the bus's CHAT_TYPING, pushed to their widget by the desk)."""
    _typing(session, typing, "agent", name)


def _typing(session: ChatSession, typing: bool, by: str, name: str) -> None:
    with transaction.atomic():  # nothing is written: the bus wants a transaction all the same
        publish(
            EventName.CHAT_TYPING,
            conversation_id=session.conversation_id,
            location_id=session.widget.location_id,
            typing=typing,
            by=by,
            agent_name=name,
        )


def typing_frame(event: Event) -> tuple[str, dict] | None:
    """(group, frame) telling a chat's visitor that its agent is typing."""
    visitor = (
        ChatSession.objects.filter(conversation_id=event["conversation_id"])
        .exclude(status=SessionStatus.ENDED)
        .values_list("visitor", flat=True)
        .first()
    )
    if visitor is None:
        return None
    frame = {"type": "chat.typing", "name": event["agent_name"], "typing": event["typing"]}
    return visitor_group(visitor), frame
