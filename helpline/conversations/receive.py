"""The one entry for every touch point: a message from an identity on a channel.

Every channel adapter (email, phone, web form, walk-in) builds an `Inbound` and
calls `receive`. Customer matching, threading, storage and the "message
received" event happen here once.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpline.conversations.events import emit_after_commit, message_received
from helpline.conversations.models import (
    Attachment,
    Conversation,
    Direction,
    Message,
    MessageKind,
    Status,
    Tag,
)
from helpline.core.activity import record
from helpline.core.models import Location, Mailbox, Team, User
from helpline.customers.actions import resolve_merged
from helpline.customers.identities import normalise
from helpline.customers.models import Customer, Identity

SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})\]")


@dataclass
class IncomingAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class Inbound:
    channel: str
    identity_kind: str = ""
    identity_value: str = ""  # may be empty for a robot replying on a known conversation
    name: str = ""
    subject: str = ""
    text: str = ""
    full_text: str = ""
    html: str = ""
    kind: str = MessageKind.NORMAL
    external_id: str = ""
    thread_ids: Sequence[str] = ()  # ids this message refers to, nearest first
    thread_key: str = ""  # the root id of its thread, for replies whose parent we never saw
    conversation: Conversation | None = None  # when the adapter already knows it
    mailbox: Mailbox | None = None
    location: Location | None = None
    team: Team | None = None
    logged_by: User | None = None  # the agent who logged a call or a walk-in
    received_at: datetime | None = None
    attachments: Sequence[IncomingAttachment] = ()
    meta: dict = field(default_factory=dict)


@dataclass
class Received:
    message: Message
    created: bool  # False when this exact message was already stored
    new_conversation: bool = False


def receive(inbound: Inbound) -> Received:
    try:
        return _receive(inbound)
    except IntegrityError:
        # Two deliveries of one message racing: the other one stored it.
        duplicate = _stored_duplicate(inbound)
        if duplicate is None:
            raise
        return Received(duplicate, created=False)


def _stored_duplicate(inbound: Inbound) -> Message | None:
    if not inbound.external_id:
        return None
    # The explicit exclude lets SQLite use the partial unique index.
    return (
        Message.objects.filter(channel=inbound.channel, external_id=inbound.external_id)
        .exclude(external_id="")
        .first()
    )


@transaction.atomic
def _receive(inbound: Inbound) -> Received:
    known = _known_messages(inbound)
    if inbound.external_id in known:
        return Received(Message.objects.get(pk=known[inbound.external_id][0]), created=False)

    at = inbound.received_at or timezone.now()
    identity = _known_identity(inbound)
    conversation = inbound.conversation or _thread(inbound, known)
    if conversation is not None and conversation.status == Status.CLOSED:
        conversation = None  # a closed conversation stays closed; this starts a follow-up
    if identity is None and inbound.identity_value:
        owner = conversation.customer if conversation else _new_customer(inbound)
        identity = _new_identity(inbound, owner)

    new_conversation = conversation is None
    if new_conversation:
        conversation = _start_conversation(inbound, identity, at)

    message = Message.objects.create(
        conversation=conversation,
        channel=inbound.channel,
        direction=Direction.INBOUND,
        kind=inbound.kind,
        author=inbound.logged_by,
        identity=identity,
        text=inbound.text,
        full_text=inbound.full_text or inbound.text,
        html=inbound.html,
        external_id=inbound.external_id,
        thread_key=inbound.thread_key or inbound.external_id,
        meta=inbound.meta,
        created_at=at,
    )
    for attachment in inbound.attachments:
        _store_attachment(message, attachment)

    _note_customer_message(conversation, message, at)
    record(
        inbound.logged_by,
        "message.received",
        conversation,
        message_id=message.pk,
        channel=inbound.channel,
        kind=inbound.kind,
    )
    emit_after_commit(message_received, message=message, new_conversation=new_conversation)
    return Received(message, created=True, new_conversation=new_conversation)


def _known_identity(inbound: Inbound) -> Identity | None:
    if not inbound.identity_value:
        return None
    region = inbound.location.country if inbound.location else ""
    value = normalise(inbound.identity_kind, inbound.identity_value, region)
    identity = (
        Identity.objects.select_related("customer")
        .filter(kind=inbound.identity_kind, value=value)
        .first()
    )
    if identity is not None and identity.customer.merged_into_id:
        identity.customer = resolve_merged(identity.customer)
    return identity


def _known_messages(inbound: Inbound) -> dict[str, tuple[int, int]]:
    """This message and the ones it refers to, if stored: external id -> (id, conversation id).

    One query answers both "is this a duplicate?" and "which thread is it in?".
    """
    ids = {i for i in [inbound.external_id, *inbound.thread_ids] if i}
    if not ids:
        return {}
    rows = (
        Message.objects.filter(channel=inbound.channel, external_id__in=ids)
        .exclude(external_id="")
        .values_list("external_id", "id", "conversation_id")
    )
    return {external_id: (pk, conversation_id) for external_id, pk, conversation_id in rows}


def _thread(inbound: Inbound, known: dict[str, tuple[int, int]]) -> Conversation | None:
    ids = [i for i in inbound.thread_ids if i]
    if ids:
        # The nearest stored message this one refers to.
        parent = next((known[i][1] for i in ids if i in known), None)
        if parent is None:
            # A reply to a message we never saw, in a thread we did see.
            parent = (
                Message.objects.filter(thread_key__in=ids)
                .order_by("-id")
                .values_list("conversation_id", flat=True)
                .first()
            )
        if parent is not None:
            return Conversation.objects.get(pk=parent)
    match = SUBJECT_TOKEN.search(inbound.subject or "")
    if match:
        return Conversation.objects.filter(pk=int(match.group(1))).first()
    return None


def _new_customer(inbound: Inbound) -> Customer:
    location = inbound.location or (inbound.mailbox.location if inbound.mailbox else None)
    customer = Customer.objects.create(name=inbound.name[:200], location=location)
    record(inbound.logged_by, "customer.created", customer, channel=inbound.channel)
    return customer


def _new_identity(inbound: Inbound, customer: Customer) -> Identity:
    region = inbound.location.country if inbound.location else ""
    return Identity.objects.create(
        customer=customer,
        kind=inbound.identity_kind,
        value=normalise(inbound.identity_kind, inbound.identity_value, region),
    )


def _start_conversation(inbound: Inbound, identity: Identity | None, at) -> Conversation:
    mailbox = inbound.mailbox
    customer = identity.customer if identity else _new_customer(inbound)
    conversation = Conversation.objects.create(
        subject=SUBJECT_TOKEN.sub("", inbound.subject).strip()[:998],
        channel=inbound.channel,
        customer=customer,
        location=inbound.location or (mailbox.location if mailbox else None) or customer.location,
        team=inbound.team or (mailbox.team if mailbox else None),
        mailbox=mailbox,
        created_at=at,
        last_message_at=at,
    )
    if inbound.kind != MessageKind.NORMAL:
        tag, _ = Tag.objects.get_or_create(name=inbound.kind.replace("_", "-"))
        conversation.tags.add(tag)
    record(inbound.logged_by, "conversation.created", conversation, channel=inbound.channel)
    return conversation


def _note_customer_message(conversation: Conversation, message: Message, at) -> None:
    changed = ["last_message_at", "updated_at"]
    conversation.last_message_at = max(conversation.last_message_at, at)
    if message.kind == MessageKind.NORMAL:
        # A robot's reply (out-of-office, bounce) neither reopens nor restarts a wait.
        conversation.last_customer_message_at = at
        changed.append("last_customer_message_at")
        if conversation.status in (Status.PENDING, Status.SOLVED):
            conversation.status = Status.OPEN
            conversation.solved_at = None
            changed += ["status", "solved_at"]
    conversation.save(update_fields=changed)


def _store_attachment(message: Message, incoming: IncomingAttachment) -> Attachment:
    attachment = Attachment(
        message=message,
        filename=incoming.filename[:255],
        content_type=incoming.content_type[:255],
        size=len(incoming.content),
        content_id=incoming.content_id[:255],
        inline=incoming.inline,
    )
    attachment.file.save(_safe_filename(incoming.filename), ContentFile(incoming.content), False)
    attachment.save()
    return attachment


def _safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^\w.\-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return cleaned[:100] or "attachment"
