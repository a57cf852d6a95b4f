"""A chat's pushes, on commit through helpline.realtime: to the agents' desk sockets (the
visitor typing, a chat waiting, taken or ended; its messages go there with every
conversation event) and to the visitor's widgets (the agent's messages, the chat's state).

helpline.channels.chat sits below realtime and cannot push itself; the desk, above both,
subscribes for it. Best effort: a widget or page that missed a push catches up on its own.
"""

from helpline.channels.chat import live
from helpline.conversations.models import Channel
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.realtime import groups, push

CARRIED = ("session_id", "agent_id", "status", "ended_by", "typing")


def is_chat(payload: dict) -> bool:
    return payload.get("channel") == Channel.CHAT


def by_visitor(payload: dict) -> bool:
    return payload.get("by", "visitor") == "visitor"


def by_agent(payload: dict) -> bool:
    return payload.get("by") == "agent"


def connect() -> None:
    subscribe(EventName.CHAT_TYPING, to_desk, phase=Phase.ON_COMMIT, when=by_visitor)
    subscribe(EventName.CHAT_TYPING, typing_to_visitor, phase=Phase.ON_COMMIT, when=by_agent)
    subscribe(EventName.CHAT_VISITOR_BLOCKED, drop_visitor, phase=Phase.ON_COMMIT)
    for name in (EventName.CHAT_STARTED, EventName.CHAT_ASSIGNED, EventName.CHAT_ENDED):
        subscribe(name, to_desk, phase=Phase.ON_COMMIT)
    for name in (EventName.MESSAGE_RECEIVED, EventName.MESSAGE_SENT):
        subscribe(name, to_visitors, phase=Phase.ON_COMMIT, when=is_chat, many=True)
    for name in (EventName.CHAT_STARTED, EventName.CHAT_ASSIGNED, EventName.CHAT_ENDED):
        subscribe(name, to_visitors, phase=Phase.ON_COMMIT, many=True)


def to_desk(event: Event) -> None:
    body = {
        "event": str(event.name),
        "conversation_id": event["conversation_id"],
        "location_id": event["location_id"],
    }
    body.update({field: event.payload[field] for field in CARRIED if field in event.payload})
    push.send(groups.of_conversation(event["location_id"]), {"type": "desk.event", "event": body})


def to_visitors(events: list[Event]) -> None:
    for group, frame in live.for_visitors(events):
        push.send([group], frame)


def drop_visitor(event: Event) -> None:
    """Close the visitor's widget sockets (blocked: they reconnect to a quiet refusal)."""
    push.send([live.visitor_group(event["visitor"])], {"type": "chat.close"})


def typing_to_visitor(event: Event) -> None:
    """The agent is typing in the chat: their visitor's widget says so."""
    found = live.typing_frame(event)
    if found is not None:
        group, frame = found
        push.send([group], frame)
