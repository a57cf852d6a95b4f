"""The live chat on a chat conversation's page, and the chats waiting or going on in the
inbox (waiting first, each with its wait in seconds)."""

from django import template
from django.utils import timezone

from helpline.access import chats_seen_by
from helpline.channels.chat import visitor
from helpline.channels.chat.models import ChatSession, SessionStatus
from helpline.conversations.models import Channel

register = template.Library()


def wait_seconds(session: ChatSession) -> int:
    """How long the visitor has waited for a first answer (or waited, once answered)."""
    until = session.answered_at or session.ended_at or timezone.now()
    return max(0, int((until - session.started_at).total_seconds()))


@register.inclusion_tag("desk/_chat.html", takes_context=True)
def chat_panel(context, conversation):
    if conversation.channel != Channel.CHAT:  # no query for every other conversation
        return {"session": None}
    session = (
        ChatSession.objects.select_related("agent", "widget")
        .filter(conversation=conversation)
        .first()
    )
    if session is None:
        return {"session": None}
    messages = visitor.history(session)
    return {
        "session": session,
        "messages": messages,
        "last_id": max((m["id"] for m in messages), default=0),
        "wait": wait_seconds(session),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("desk/_chats.html", takes_context=True)
def open_chats(context):
    user = context["request"].user
    sessions = list(
        chats_seen_by(user)
        .exclude(status=SessionStatus.ENDED)
        .select_related("agent", "conversation__customer")
        .order_by("started_at")[:50]
    )
    # Chats waiting for an agent first, then those waiting for a first answer, the longest
    # waiting first in each; then the ones going on.
    sessions.sort(
        key=lambda s: (s.status != SessionStatus.WAITING, s.answered_at is not None, s.started_at)
    )
    rows = [(session, wait_seconds(session)) for session in sessions]
    return {"rows": rows}
