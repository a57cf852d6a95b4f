"""The chat channel's subscriptions: what its visitors' widgets are told live.

In the transaction, because the push must follow the very message that committed (it is
sent after commit, `live.send_after_commit`); a push missed by a widget that was
reconnecting is fetched again by it (the widget asks for what came after its last message).
"""

from helpline.channels.chat import live
from helpline.channels.chat.models import ChatSession
from helpline.conversations.models import Channel, Message
from helpline.core.events import Event, EventName, Phase, subscribe


def is_chat(payload: dict) -> bool:
    return payload.get("channel") == Channel.CHAT


def connect() -> None:
    for name in (EventName.MESSAGE_RECEIVED, EventName.MESSAGE_SENT):
        subscribe(name, tell_visitor, phase=Phase.IN_TRANSACTION, when=is_chat)
    for name in (EventName.CHAT_STARTED, EventName.CHAT_ENDED):
        subscribe(name, tell_visitor_state, phase=Phase.IN_TRANSACTION)


def tell_visitor(event: Event) -> None:
    visitor = (
        ChatSession.objects.filter(conversation_id=event["conversation_id"])
        .values_list("visitor", flat=True)
        .first()
    )
    if visitor is None:  # the first message: its chat is told when it starts
        return
    message = Message.objects.select_related("author").get(pk=event["message_id"])
    live.send_after_commit(
        live.visitor_group(visitor), {"type": "chat.message", "message": live.message_json(message)}
    )


def tell_visitor_state(event: Event) -> None:
    session = ChatSession.objects.select_related("agent").get(pk=event["session_id"])
    live.send_after_commit(
        live.visitor_group(session.visitor), {"type": "chat.state", "state": state_json(session)}
    )


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
