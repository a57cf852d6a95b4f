"""/api/chats and /api/chat-widgets: chat sessions (their messages are their conversation's,
/api/conversations/{id}/messages), and the widgets an admin creates, changes and re-keys."""

from datetime import datetime

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from helpline.access import chats_seen_by
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ErrorOut
from helpline.channels.chat import actions
from helpline.channels.chat.models import ChatWidget
from helpline.core.errors import ActionError
from helpline.core.models import Location, Mailbox

router = Router(tags=["chat"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
NEWEST_FIRST = Ordering(
    "chats", (Key("started_at", descending=True, datetime=True), Key("id", descending=True))
)


class ChatOut(Schema):
    id: int
    conversation_id: int
    subject: str
    widget_id: int
    status: str
    agent_id: int | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    ended_by: str
    wait_seconds: int = Field(description="Until the first answer, or until now while unanswered")

    @staticmethod
    def resolve_subject(obj) -> str:
        return obj.conversation.subject

    @staticmethod
    def resolve_wait_seconds(obj) -> int:
        until = obj.answered_at or obj.ended_at or timezone.now()
        return max(0, int((until - obj.started_at).total_seconds()))


class ChatPage(Schema):
    items: list[ChatOut]
    next_cursor: str | None


class ChatFilters(Schema):
    status: str | None = Field(None, pattern="^(waiting|active|ended)$")


@router.get("/chats", response={200: ChatPage, **ERRORS})
def list_chats(request, filters: Query[ChatFilters], page: Query[PageParams]):
    """The chats of the conversations you see, newest first."""
    chats = chats_seen_by(request.auth).select_related("conversation")
    if filters.status:
        chats = chats.filter(status=filters.status)
    return paginate(chats, NEWEST_FIRST, page)


@router.get("/chats/{int:chat_id}", response={200: ChatOut, **ERRORS})
def get_chat(request, chat_id: int):
    chat = chats_seen_by(request.auth).filter(pk=chat_id).first()
    if chat is None:
        raise Http404("No such chat")
    return chat


@router.post("/chats/{int:chat_id}/end", response={200: ChatOut, **ERRORS})
def end_chat(request, chat_id: int):
    chat = chats_seen_by(request.auth).filter(pk=chat_id).first()
    if chat is None:
        raise Http404("No such chat")
    return actions.end_chat(chat, actions.AGENT, request.auth)


class WidgetOut(Schema):
    id: int
    name: str
    key: str
    location_id: int
    mailbox_id: int | None
    allowed_origins: list[str]
    active: bool
    created_at: datetime
    rotated_at: datetime | None

    @staticmethod
    def resolve_allowed_origins(obj) -> list[str]:
        return obj.origins()


class WidgetIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    location_id: int
    mailbox_id: int | None = None
    allowed_origins: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True


class WidgetPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    location_id: int | None = None
    mailbox_id: int | None = None
    allowed_origins: list[str] | None = Field(None, max_length=100)
    active: bool | None = None


def _require_admin(request) -> None:
    if not request.auth.sees_everything:
        raise PermissionError("only an admin manages chat widgets")


def _widget(widget_id: int) -> ChatWidget:
    widget = ChatWidget.objects.filter(pk=widget_id).first()
    if widget is None:
        raise Http404("No such widget")
    return widget


def _row(model, pk: int | None, field: str):
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise ActionError(f"no such {field.removesuffix('_id')}", field)
    return row


@router.get("/chat-widgets", response={200: list[WidgetOut], **ERRORS})
def list_chat_widgets(request):
    _require_admin(request)
    return ChatWidget.objects.order_by("name", "id")


@router.post("/chat-widgets", response={201: WidgetOut, **ERRORS})
def create_chat_widget(request, payload: WidgetIn):
    _require_admin(request)
    widget = actions.create_widget(
        request.auth,
        name=payload.name,
        location=_row(Location, payload.location_id, "location_id"),
        mailbox=_row(Mailbox, payload.mailbox_id, "mailbox_id"),
        origins="\n".join(payload.allowed_origins),
    )
    return Status(201, widget)


@router.patch("/chat-widgets/{int:widget_id}", response={200: WidgetOut, **ERRORS})
def update_chat_widget(request, widget_id: int, payload: WidgetPatch):
    _require_admin(request)
    widget = _widget(widget_id)
    given = payload.model_dump(exclude_unset=True)
    return actions.change_widget(
        request.auth,
        widget,
        name=given.get("name") or widget.name,
        location=_row(Location, given["location_id"], "location_id")
        if given.get("location_id") is not None
        else widget.location,
        mailbox=_row(Mailbox, given["mailbox_id"], "mailbox_id")
        if "mailbox_id" in given
        else widget.mailbox,
        origins="\n".join(given["allowed_origins"])
        if given.get("allowed_origins") is not None
        else widget.allowed_origins,
        active=widget.active if given.get("active") is None else given["active"],
    )


@router.post("/chat-widgets/{int:widget_id}/rotate-key", response={200: WidgetOut, **ERRORS})
def rotate_chat_widget_key(request, widget_id: int):
    """A new key: pages with the old tag stop opening chats."""
    _require_admin(request)
    return actions.rotate_key(request.auth, _widget(widget_id))
