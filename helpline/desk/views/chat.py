"""The agent's side of a chat: answer, end, block, say one is typing; the desk's heartbeat
that makes an agent "online" for chat routing; what changed since a message id (for a
page that reconnects).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from helpline.access import get_chat_for
from helpline.channels.chat import actions, live, visitor
from helpline.core.errors import ActionError
from helpline.core.params import parse_int


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(session):
    return redirect(reverse("desk:conversation", args=[session.conversation_id]) + "#chat")


@login_required
@require_POST
def say(request, pk: int):
    session = get_chat_for(request.user, pk)
    try:
        message = actions.agent_says(
            request.user,
            session,
            request.POST.get("text", ""),
            client_id=request.POST.get("id", ""),
        )
    except ActionError as exc:
        if _wants_json(request):
            return JsonResponse({"field": exc.field, "error": str(exc)}, status=400)
        messages.error(request, f"Not sent: {exc}.")
        return _back(session)
    if _wants_json(request):
        return JsonResponse({"message": live.message_json(message)})
    return _back(session)


@login_required
@require_POST
def end(request, pk: int):
    session = get_chat_for(request.user, pk)
    actions.end_chat(session, actions.AGENT, request.user)
    if _wants_json(request):
        return JsonResponse({"chat": live.state_json(session)})
    messages.success(request, "The chat has ended.")
    return _back(session)


@login_required
@require_POST
def block(request, pk: int):
    session = get_chat_for(request.user, pk)
    actions.block_visitor(request.user, session, request.POST.get("reason", ""))
    messages.success(request, "The visitor is blocked: their widget will not open chats.")
    return _back(session)


@login_required
@require_POST
def typing(request, pk: int):
    session = get_chat_for(request.user, pk)
    name = request.user.first_name or request.user.username
    live.agent_typing(session, name, request.POST.get("typing") == "1")
    return JsonResponse({})


@login_required
@require_GET
def since(request, pk: int):
    session = get_chat_for(request.user, pk)
    after = parse_int(request.GET.get("after", "0") or "0", "after", low=0, high=2**63 - 1)
    return JsonResponse(
        {"chat": live.state_json(session), "messages": visitor.history(session, after)}
    )


@login_required
@require_POST
def online(request):
    """The desk is open: the agent may be given chats (a heartbeat; see actions.seen)."""
    actions.seen(request.user)
    return JsonResponse({})


urlpatterns = [
    path("chat/online/", online, name="chat-online"),
    path("conversations/<int:pk>/chat/say/", say, name="chat-say"),
    path("conversations/<int:pk>/chat/end/", end, name="chat-end"),
    path("conversations/<int:pk>/chat/block/", block, name="chat-block"),
    path("conversations/<int:pk>/chat/typing/", typing, name="chat-typing"),
    path("conversations/<int:pk>/chat/messages/", since, name="chat-messages"),
]
