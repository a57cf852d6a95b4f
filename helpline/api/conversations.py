"""/api/conversations and /api/messages: the work itself, through conversations.actions."""

from django.db import transaction
from django.db.models import Prefetch
from ninja import Query, Router, Status

from helpline.access import get_conversation_for, get_message_for
from helpline.api import lookups
from helpline.api.errors import FieldError
from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import (
    ContactIn,
    ConversationFilters,
    ConversationIn,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    ErrorOut,
    InternalNoteIn,
    MessageOut,
    MessagePage,
    ReplyIn,
)
from helpline.conversations import actions
from helpline.conversations.models import Attachment, Conversation, Message
from helpline.core.params import parse_id

router = Router(tags=["conversations"])

ORDERINGS = {
    "last_message": Ordering(
        "conversations.last_message",
        (
            Key("last_message_at", descending=True, datetime=True),
            Key("id", descending=True),
        ),
    ),
    "newest": Ordering("conversations.newest", (Key("id", descending=True),)),
}
OLDEST_FIRST = Ordering("messages", (Key("created_at", datetime=True), Key("id")))
ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _conversations():
    # Locations and teams are prefetched, not joined: a visibility filter on location_id
    # turns that join into an INNER JOIN that SQLite drives from the locations, sorting
    # every visible conversation instead of walking the by-activity index.
    return Conversation.objects.select_related(
        "customer", "assignee", "sla_policy"
    ).prefetch_related("tags", "location", "team")


def _messages():
    return Message.objects.select_related("author", "identity", "wait").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )


@router.get("/conversations", response={200: ConversationPage, **ERRORS})
def list_conversations(request, filters: Query[ConversationFilters], page: Query[PageParams]):
    conversations = _conversations().visible_to(request.auth)
    for name in ("status", "channel", "priority"):
        if getattr(filters, name) is not None:
            conversations = conversations.filter(**{name: getattr(filters, name)})
    for name in ("location", "team", "customer"):
        if getattr(filters, name) is not None:
            conversations = conversations.filter(**{f"{name}_id": getattr(filters, name)})
    if filters.assignee == "me":
        conversations = conversations.filter(assignee_id=request.auth.pk)
    elif filters.assignee == "none":
        conversations = conversations.filter(assignee__isnull=True)
    elif filters.assignee is not None:
        conversations = conversations.filter(assignee_id=parse_id(filters.assignee, "assignee"))
    if filters.tag is not None:
        conversations = conversations.filter(tags__name=filters.tag.strip().lower())
    if filters.updated_since is not None:
        conversations = conversations.filter(updated_at__gte=filters.updated_since)
    return paginate(conversations, ORDERINGS[filters.order], page)


@router.get("/conversations/{int:conversation_id}", response={200: ConversationOut, **ERRORS})
def get_conversation(request, conversation_id: int):
    return get_conversation_for(request.auth, conversation_id, _conversations())


@router.post("/conversations", response={201: ConversationOut, **ERRORS})
def create_conversation(request, payload: ConversationIn):
    user = request.auth
    customer = lookups.customer(user, payload.customer_id)
    conversation = actions.start_conversation(
        user,
        customer,
        channel=payload.channel,
        subject=payload.subject.strip(),
        text=payload.text,
        location=lookups.location(user, payload.location_id),
        team=lookups.team(payload.team_id),
    )
    return Status(201, get_conversation_for(user, conversation.pk, _conversations()))


@router.patch("/conversations/{int:conversation_id}", response={200: ConversationOut, **ERRORS})
def update_conversation(request, conversation_id: int, payload: ConversationPatch):
    user = request.auth
    given = payload.model_fields_set
    for name in given & {"status", "priority", "subject", "tags"}:
        if getattr(payload, name) is None:
            raise FieldError(name, "may not be null")
    if "team_id" in given and payload.team_id is None:
        raise FieldError("team_id", "a team can be changed but not removed")
    with transaction.atomic():
        conversation = get_conversation_for(user, conversation_id)
        if given & {"status", "pending_until"}:
            status = payload.status if "status" in given else conversation.status
            conversation = actions.set_status(
                user, conversation, status, pending_until=payload.pending_until
            )
        if "priority" in given:
            conversation = actions.set_priority(user, conversation, payload.priority)
        if "subject" in given:
            conversation = actions.rename(user, conversation, payload.subject)
        if given & {"assignee_id", "team_id"}:
            _assign(user, conversation, payload, given)
        if "tags" in given:
            actions.set_tags(user, conversation, payload.tags)
    return get_conversation_for(user, conversation_id, _conversations())


def _assign(user, conversation: Conversation, payload: ConversationPatch, given: set) -> None:
    if "assignee_id" in given:
        assignee = lookups.agent(payload.assignee_id)
    else:
        assignee = conversation.assignee
    team = lookups.team(payload.team_id) if "team_id" in given else None
    try:
        actions.assign(user, conversation, assignee=assignee, team=team)
    except actions.ActionError as exc:
        if exc.field in ("assignee", "team"):
            raise FieldError(f"{exc.field}_id", str(exc)) from None
        raise


@router.post("/conversations/{int:conversation_id}/reply", response={201: MessageOut, **ERRORS})
def reply_to_conversation(request, conversation_id: int, payload: ReplyIn):
    conversation = get_conversation_for(request.auth, conversation_id)
    message = actions.reply(
        request.auth,
        conversation,
        payload.text,
        html=payload.html,
        to=payload.to,
        cc=payload.cc,
        bcc=payload.bcc,
    )
    return Status(201, _messages().get(pk=message.pk))


@router.post("/conversations/{int:conversation_id}/notes", response={201: MessageOut, **ERRORS})
def add_internal_note(request, conversation_id: int, payload: InternalNoteIn):
    conversation = get_conversation_for(request.auth, conversation_id)
    message = actions.add_note(request.auth, conversation, payload.text)
    return Status(201, _messages().get(pk=message.pk))


@router.post(
    "/conversations/{int:conversation_id}/contacts",
    response={201: MessageOut, **ERRORS},
    description=(
        "Log a phone call or an in-store visit. An inbound contact is received like any "
        "customer message (on a closed conversation it starts a follow-up, whose message is "
        "returned); an outbound call is our response. waited_minutes records how long the "
        "customer waited to be helped."
    ),
)
def log_contact(request, conversation_id: int, payload: ContactIn):
    conversation = get_conversation_for(request.auth, conversation_id)
    message = actions.log_contact(
        request.auth,
        conversation,
        channel=payload.channel,
        text=payload.text,
        direction=payload.direction,
        waited_minutes=payload.waited_minutes,
    )
    return Status(201, _messages().get(pk=message.pk))


@router.get("/conversations/{int:conversation_id}/messages", response={200: MessagePage, **ERRORS})
def list_messages(request, conversation_id: int, page: Query[PageParams]):
    conversation = get_conversation_for(request.auth, conversation_id)
    return paginate(_messages().filter(conversation=conversation), OLDEST_FIRST, page)


@router.get("/messages/{int:message_id}", response={200: MessageOut, **ERRORS})
def get_message(request, message_id: int):
    return get_message_for(request.auth, message_id, _messages())
