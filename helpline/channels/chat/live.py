"""What goes out live over the sockets, once the change that caused it has committed.

The visitor's widgets (every tab of one visitor) listen on the visitor's group. Pushes are
best effort: a socket that missed one (it was reconnecting) asks for what came after the
last message it saw, so nothing is lost, and every message carries its id, so nothing is
shown twice.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from helpline.conversations.models import Direction, Message


def visitor_group(visitor: str) -> str:
    return f"chat.visitor.{visitor}"


def send_after_commit(group: str, event: dict) -> None:
    transaction.on_commit(lambda: send_now(group, event))


def send_now(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


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
    }


def conversation_group(conversation_id: int) -> str:
    """The desk's pages of one chat conversation."""
    return f"chat.conversation.{conversation_id}"


def visitor_typing(visitor: str, typing: bool) -> None:
    from helpline.channels.chat.models import ChatSession, SessionStatus

    conversation_id = (
        ChatSession.objects.filter(visitor=visitor)
        .exclude(status=SessionStatus.ENDED)
        .order_by("-pk")
        .values_list("conversation_id", flat=True)
        .first()
    )
    if conversation_id is not None:
        send_now(
            conversation_group(conversation_id),
            {"type": "chat.typing", "name": "", "typing": typing, "who": "visitor"},
        )
