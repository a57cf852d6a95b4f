"""The one entry for every touch point: a message from an identity on a channel.

Every channel adapter (email, phone, web form, walk-in) builds an `Inbound` and
calls `receive`. Customer matching, threading, storage and the "message
received" event happen here once.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpline.conversations.files import note_written, removed_if_rolled_back
from helpline.conversations.models import (
    Attachment,
    Conversation,
    Direction,
    Message,
    MessageKind,
    Status,
    Tag,
)
from helpline.conversations.verbs import Verb
from helpline.conversations.waits import answer_open_waits, create_waits
from helpline.core.activity import record_many
from helpline.core.addresses import one_line
from helpline.core.events import EventName, publish_many
from helpline.core.models import Location, Mailbox, Team, User
from helpline.core.sql import update_fields_from_values, update_from_values
from helpline.customers.actions import resolve_merged
from helpline.customers.identities import normalise
from helpline.customers.models import Customer, Identity
from helpline.customers.verbs import Verb as CustomerVerb

SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})\]")
STILL_OPEN = (Status.NEW, Status.OPEN, Status.PENDING)


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
    # Continue the customer's latest still-open conversation on this channel at this
    # location, if there is one (a phone line's calls), rather than starting one.
    continue_open: bool = False
    mailbox: Mailbox | None = None
    location: Location | None = None
    team: Team | None = None
    logged_by: User | None = None  # the agent who logged a call or a walk-in
    # The agent's word on how long the customer waited to be helped (queue, hold).
    helped_after_seconds: int | None = None
    received_at: datetime | None = None
    attachments: Sequence[IncomingAttachment] = ()
    meta: dict = field(default_factory=dict)


@dataclass
class Received:
    message: Message
    created: bool  # False when this exact message was already stored
    new_conversation: bool = False


def receive(inbound: Inbound) -> Received:
    return receive_many([inbound])[0]


def receive_many(inbounds: Sequence[Inbound]) -> list[Received]:
    """Receive several messages in one transaction, with a handful of queries in all.

    The result is the same as receiving them one by one, in order: a later
    message may reply to an earlier one of the same batch.
    """
    if not inbounds:
        return []
    try:
        with removed_if_rolled_back(), transaction.atomic():
            return _Batch(list(inbounds)).run()
    except IntegrityError:
        # A concurrent delivery stored one of these first: take them one at a time.
        if len(inbounds) > 1:
            return [receive(inbound) for inbound in inbounds]
        duplicate = _stored_duplicate(inbounds[0])
        if duplicate is None:
            raise
        return [Received(duplicate, created=False)]


def _stored_duplicate(inbound: Inbound) -> Message | None:
    if not inbound.external_id:
        return None
    # The explicit exclude lets SQLite use the partial unique index.
    return (
        Message.objects.filter(channel=inbound.channel, external_id=inbound.external_id)
        .exclude(external_id="")
        .first()
    )


class _Plan(NamedTuple):
    """A `Received` while planning: a message already stored is read only at the end."""

    message: "Message | _Stored"
    created: bool
    new_conversation: bool = False


class _Batch:
    """Plans every message of a batch in memory, then writes each kind of row at once."""

    def __init__(self, inbounds: list[Inbound]):
        self.inbounds = inbounds
        self.now = timezone.now()
        # What the database knows, read once for the whole batch.
        self.stored: dict[tuple[str, str], tuple[int, int]] = {}  # (channel, ext) -> ids
        self.thread_roots: dict[str, int] = {}  # thread key -> conversation id
        self.identities: dict[tuple[str, str], Identity] = {}
        self.conversations: dict[int, Conversation] = {}
        self.open_on_channel: dict[tuple, int] = {}  # (customer, channel, location) -> id
        # What this batch adds.
        self.planned: dict[tuple[str, str], Message] = {}
        self.planned_roots: dict[str, Conversation] = {}
        self.new_customers: list[Customer] = []
        self.new_identities: list[Identity] = []
        self.new_conversations: list[Conversation] = []
        self.robot_tags: list[tuple[Conversation, str]] = []  # a robot's new conversations
        self.changed_conversations: dict[int, Conversation] = {}
        self.reopened: set[int] = set()  # existing conversations to write as open
        self.talked: list[Message] = []  # calls and visits in which we talked with them
        self.messages: list[tuple[Message, Inbound]] = []
        self.activities: list[tuple] = []  # (actor, verb, subject, data)

    def run(self) -> list[Received]:
        self._read()
        results = [self._plan(inbound) for inbound in self.inbounds]
        self._write()
        return [
            Received(_Stored.resolve(r.message), r.created, r.new_conversation) for r in results
        ]

    # Reading -----------------------------------------------------------------

    def _read(self) -> None:
        ids = {i for inbound in self.inbounds for i in _ids(inbound)}
        channels = {inbound.channel for inbound in self.inbounds}
        for chunk in _chunks(sorted(ids)):  # one query each for a normal batch
            rows = (
                Message.objects.filter(channel__in=channels, external_id__in=chunk)
                .exclude(external_id="")
                .values_list("channel", "external_id", "id", "conversation_id")
            )
            self.stored.update({(ch, ext): (pk, conv) for ch, ext, pk, conv in rows})
            roots = (
                Message.objects.filter(thread_key__in=chunk)
                .order_by("id")
                .values_list("thread_key", "conversation_id")
            )
            # The latest conversation of each thread wins (a key is in one chunk only).
            self.thread_roots.update(roots)
        keys = {key for inbound in self.inbounds if (key := _identity_key(inbound)) is not None}
        if keys:
            found = Identity.objects.filter(value__in={value for _, value in keys})
            self.identities = {(i.kind, i.value): i for i in found if (i.kind, i.value) in keys}
            # Locked (customers before conversations, like a merge) and read after
            # the lock: a merge committing meanwhile is seen, never undone.
            customers = (
                Customer.objects.select_for_update()
                .filter(pk__in={i.customer_id for i in self.identities.values()})
                .order_by("pk")
            )
            fresh = {customer.pk: customer for customer in customers}
            for identity in self.identities.values():
                identity.customer = resolve_merged(fresh[identity.customer_id])
        self._read_open_conversations()
        wanted = {conv for _, conv in self.stored.values()} | set(self.thread_roots.values())
        wanted |= set(self.open_on_channel.values())
        wanted |= {int(m.group(1)) for i in self.inbounds if (m := SUBJECT_TOKEN.search(i.subject))}
        wanted |= {i.conversation.pk for i in self.inbounds if i.conversation is not None}
        if wanted:
            # Locked in id order, so that two batches never wait on each other in a cycle.
            locked = (
                Conversation.objects.select_for_update(of=("self",))
                .select_related("customer")
                .filter(pk__in=wanted)
                .order_by("pk")
            )
            self.conversations = {c.pk: c for c in locked}

    def _read_open_conversations(self) -> None:
        continuing = [i for i in self.inbounds if i.continue_open and i.conversation is None]
        customers = {
            self.identities[key].customer.pk
            for inbound in continuing
            if (key := _identity_key(inbound)) in self.identities
        }
        if not customers:
            return
        rows = (
            Conversation.objects.filter(
                customer_id__in=customers,
                channel__in={inbound.channel for inbound in continuing},
                status__in=STILL_OPEN,
            )
            .order_by("last_message_at", "id")
            .values_list("customer_id", "channel", "location_id", "pk")
        )
        for customer, channel, location, pk in rows:  # the latest of each wins
            self.open_on_channel[(customer, channel, location)] = pk

    # Planning ----------------------------------------------------------------

    def _plan(self, inbound: Inbound) -> _Plan:
        key = (inbound.channel, inbound.external_id)
        if inbound.external_id and key in self.planned:
            return _Plan(self.planned[key], created=False)
        if inbound.external_id and key in self.stored:
            return _Plan(_Stored(self.stored[key][0]), created=False)

        at = inbound.received_at or self.now
        identity_key = _identity_key(inbound)
        identity = self.identities.get(identity_key) if identity_key is not None else None
        conversation, vouched = self._conversation_of(inbound)
        if conversation is not None and conversation.status == Status.CLOSED:
            conversation, vouched = None, False  # closed stays closed: this starts a follow-up
        if identity is None and identity_key is not None:
            # A new address joins the conversation's customer only when the message
            # proves it saw our mail (it refers to a Message-ID); a subject token
            # alone can be guessed, so its sender stays a customer of their own.
            owner = (
                conversation.customer
                if vouched and conversation is not None
                else self._new_customer(inbound)
            )
            identity = Identity.of(owner, *identity_key)
            self.new_identities.append(identity)
            self.identities[identity_key] = identity

        new_conversation = conversation is None
        if conversation is None:
            conversation = self._new_conversation(inbound, identity, at)

        message = Message(
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
        self.messages.append((message, inbound))
        if inbound.external_id:
            self.planned[key] = message
        if message.thread_key:
            self.planned_roots[message.thread_key] = conversation
        self._note_customer_message(conversation, message, at)
        return _Plan(message, created=True, new_conversation=new_conversation)

    def _conversation_of(self, inbound: Inbound) -> tuple[Conversation | None, bool]:
        """The conversation this message continues, and whether it proved it saw that thread."""
        if inbound.conversation is not None:
            return self.conversations.get(inbound.conversation.pk, inbound.conversation), True
        if inbound.continue_open:
            key = _identity_key(inbound)
            identity = self.identities.get(key) if key is not None else None
            location = inbound.location.pk if inbound.location else None
            if identity is not None and identity.customer.pk is not None:
                found = self.open_on_channel.get((identity.customer.pk, inbound.channel, location))
                if found in self.conversations:
                    return self.conversations[found], True
            return None, False
        for ref in inbound.thread_ids:
            if not ref:
                continue
            if (inbound.channel, ref) in self.planned:
                return self.planned[(inbound.channel, ref)].conversation, True
            if (inbound.channel, ref) in self.stored:
                return self.conversations.get(self.stored[(inbound.channel, ref)][1]), True
        # A reply to a message we never saw, in a thread we did see.
        for ref in inbound.thread_ids:
            if ref in self.planned_roots:
                return self.planned_roots[ref], True
            if ref in self.thread_roots:
                return self.conversations.get(self.thread_roots[ref]), True
        match = SUBJECT_TOKEN.search(inbound.subject or "")
        if match:
            return self.conversations.get(int(match.group(1))), False
        return None, False

    def _new_customer(self, inbound: Inbound) -> Customer:
        location = inbound.location or (inbound.mailbox.location if inbound.mailbox else None)
        customer = Customer(name=inbound.name[:200], location=location)
        self.new_customers.append(customer)
        self.activities.append(
            (inbound.logged_by, CustomerVerb.CREATED, customer, {"channel": inbound.channel})
        )
        return customer

    def _new_conversation(self, inbound: Inbound, identity: Identity | None, at) -> Conversation:
        mailbox = inbound.mailbox
        customer = identity.customer if identity else self._new_customer(inbound)
        conversation = Conversation(
            subject=one_line(SUBJECT_TOKEN.sub("", inbound.subject)),
            channel=inbound.channel,
            customer=customer,
            location=inbound.location
            or (mailbox.location if mailbox else None)
            or customer.location,
            team=inbound.team or (mailbox.team if mailbox else None),
            mailbox=mailbox,
            created_at=at,
            updated_at=self.now,
            last_message_at=at,
        )
        self.new_conversations.append(conversation)
        if inbound.kind != MessageKind.NORMAL:
            self.robot_tags.append((conversation, inbound.kind.replace("_", "-")))
        self.activities.append(
            (inbound.logged_by, Verb.CREATED, conversation, {"channel": inbound.channel})
        )
        return conversation

    def _note_customer_message(self, conversation, message, at) -> None:
        conversation.show_latest(message)
        conversation.updated_at = self.now
        if message.kind == MessageKind.NORMAL:
            # A robot's reply (out-of-office, bounce) neither reopens nor restarts a wait.
            previous = conversation.last_customer_message_at
            conversation.last_customer_message_at = max(previous, at) if previous else at
            waiting = conversation.waiting_since
            if message.talked_with_customer:
                self._talked(conversation, message, at)
            else:
                conversation.waiting_since = min(waiting, at) if waiting else at
            if conversation.status in (Status.PENDING, Status.SOLVED):
                conversation.status = Status.OPEN
                conversation.solved_at = conversation.pending_until = None
                self.reopened.add(conversation.pk)
        if conversation.pk is not None:  # one created in this batch is inserted as planned
            self.changed_conversations[conversation.pk] = conversation

    def _talked(self, conversation: Conversation, message: Message, at) -> None:
        """A call or visit in which we talked with the customer is our response too: it answers
        what they were waiting for since before it (a call reported late answers nothing
        that came after it)."""
        if conversation.waiting_since and conversation.waiting_since <= at:
            conversation.waiting_since = None
        if conversation.first_response_at is None:
            conversation.first_response_at = at
        if conversation.status == Status.NEW:
            conversation.status = Status.OPEN
            self.reopened.add(conversation.pk)  # written as a reopening is: open
        self.talked.append(message)

    # Writing -----------------------------------------------------------------

    def _write(self) -> None:
        Customer.objects.bulk_create(self.new_customers)
        Identity.objects.bulk_create(self.new_identities)
        Conversation.objects.bulk_create(self.new_conversations)
        self._tag_robot_conversations()
        Message.objects.bulk_create([message for message, _ in self.messages])
        create_waits((message, inbound.helped_after_seconds) for message, inbound in self.messages)
        for message in self.talked:  # rare in a batch of mail: one or two queries each
            answer_open_waits(message)
        self._store_attachments()
        self._update_conversations()
        for message, inbound in self.messages:
            self.activities.append(
                (
                    inbound.logged_by,
                    Verb.MESSAGE_RECEIVED,
                    message.conversation,
                    {"message_id": message.pk, "channel": message.channel, "kind": message.kind},
                )
            )
        record_many(self.activities)
        new = {id(c) for c in self.new_conversations}
        publish_many(
            EventName.MESSAGE_RECEIVED,
            (
                {
                    "message_id": message.pk,
                    "conversation_id": message.conversation.pk,
                    "customer_id": message.conversation.customer_id,
                    "channel": message.channel,
                    "kind": message.kind,
                    "new_conversation": id(message.conversation) in new,
                    "reached_customer": message.reached_customer,
                    "created_at": message.created_at.isoformat(),
                    "actor_id": getattr(inbound.logged_by, "pk", None),
                }
                for message, inbound in self.messages
            ),
        )

    def _update_conversations(self) -> None:
        changed = list(self.changed_conversations.values())
        if not changed:
            return
        # What all share in one UPDATE; what differs in one UPDATE … FROM VALUES per field.
        Conversation.objects.filter(pk__in=[c.pk for c in changed]).update(updated_at=self.now)
        reopened = [c.pk for c in changed if c.pk in self.reopened]
        if reopened:
            # The customer wrote: a pending conversation no longer waits for its moment.
            Conversation.objects.filter(pk__in=reopened).update(
                status=Status.OPEN, solved_at=None, pending_until=None
            )
        update_fields_from_values(
            Conversation,
            ["last_message_at", "preview"],
            [(c.pk, c.last_message_at, c.preview) for c in changed],
        )
        update_from_values(
            Conversation,
            "last_customer_message_at",
            [(c.pk, c.last_customer_message_at) for c in changed if c.last_customer_message_at],
        )
        # Cleared too: a call in which we talked with the customer answers their wait.
        waiting = [(c.pk, c.waiting_since) for c in changed]
        update_from_values(Conversation, "waiting_since", waiting)
        update_from_values(
            Conversation,
            "first_response_at",
            [(c.pk, c.first_response_at) for c in changed if c.first_response_at],
        )

    def _tag_robot_conversations(self) -> None:
        if not self.robot_tags:
            return
        tags = {}
        for name in {name for _, name in self.robot_tags}:
            tags[name], _ = Tag.objects.get_or_create(name=name)
        through = Conversation.tags.through
        through.objects.bulk_create(
            [through(conversation_id=c.pk, tag_id=tags[name].pk) for c, name in self.robot_tags]
        )

    def _store_attachments(self) -> None:
        store_attachments(
            (message, incoming)
            for message, inbound in self.messages
            for incoming in inbound.attachments
        )


def store_attachments(files: Iterable[tuple[Message, IncomingAttachment]]) -> list[Attachment]:
    """Store each file under a safe name and add its row to its message; rows in one INSERT."""
    attachments = []
    for message, incoming in files:
        attachment = Attachment(
            message=message,
            filename=incoming.filename[:255],
            content_type=incoming.content_type[:255],
            size=len(incoming.content),
            content_id=incoming.content_id[:255],
            inline=incoming.inline,
        )
        attachment.file.save(_storage_name(incoming.filename), ContentFile(incoming.content), False)
        note_written(attachment.file.name)
        attachments.append(attachment)
    return Attachment.objects.bulk_create(attachments)


class _Stored:
    """A message the database already holds, fetched only when asked for."""

    def __init__(self, pk: int):
        self.pk = pk

    @staticmethod
    def resolve(message: "Message | _Stored") -> Message:
        if isinstance(message, _Stored):
            return Message.objects.get(pk=message.pk)
        return message


def _ids(inbound: Inbound) -> list[str]:
    return [i for i in [inbound.external_id, *inbound.thread_ids] if i]


# Ids per query: under SQLite's historical limit of 999 variables with room for the
# channels, so that no batch, however many ids its messages refer to, is refused.
ID_CHUNK = 900


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def _identity_key(inbound: Inbound) -> tuple[str, str] | None:
    if not inbound.identity_value:
        return None
    region = inbound.location.country if inbound.location else ""
    return inbound.identity_kind, normalise(inbound.identity_kind, inbound.identity_value, region)


def _storage_name(name: str) -> str:
    """A file name for storage: Django refuses path parts like '..', and the shown name is kept
    on the Attachment row anyway."""
    cleaned = re.sub(r"[^\w.\-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return cleaned[:100] or "attachment"
