"""State changes of conversations. Views, the API, commands, tasks and channels call these.

Each action is one transaction that starts from the conversation's row locked, writes one
activity row and publishes its event on the bus (core.events): what other apps do about it
(SLA clocks, the outgoing mail's outbox row, callbacks) happens there, not here.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.html import escape

from helpline.conversations import files as attachment_files
from helpline.conversations import outgoing
from helpline.conversations.models import (
    CallOutcome,
    CannedReply,
    Channel,
    Conversation,
    Delivery,
    Direction,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    identities_known_at,
)
from helpline.conversations.receive import (
    STILL_OPEN,
    Inbound,
    IncomingAttachment,
    receive,
    store_attachments,
)
from helpline.conversations.verbs import Verb
from helpline.conversations.waits import answer_open_waits
from helpline.core.activity import record
from helpline.core.addresses import one_line
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.events import EventName, publish
from helpline.core.html import sanitize_html
from helpline.core.models import Location, Mailbox, Team, User
from helpline.core.windows import check_pending_until
from helpline.customers import actions as customer_actions
from helpline.customers.models import Customer, Identity, IdentityKind

# Contacts an agent logs by hand: nothing arrives through a channel adapter for these.
LOGGABLE_CHANNELS = (Channel.PHONE, Channel.WALK_IN)
WAITED = "waited_minutes"
# A day: longer than anyone stands in a queue or holds the line, so surely a typing slip.
MAX_WAITED_MINUTES = 24 * 60
# How many conversations whose pending time is over one sweep reopens (the next takes the rest).
REOPEN_BATCH = 500
MAX_CHAT_TEXT = 4000  # characters of one chat message, either way


@transaction.atomic
def start_conversation(
    actor: User | None,
    customer: Customer,
    *,
    channel: str,
    subject: str = "",
    text: str = "",
    location: Location | None = None,
    team: Team | None = None,
    waited_minutes: int | None = None,
) -> Conversation:
    """An agent records a contact that reached them directly: a call, a walk-in, a form.

    For a call or a visit, `waited_minutes` is how long the customer waited to be
    helped (on hold, in the queue); see conversations.waits.
    """
    if channel not in Channel.values:
        raise ActionError(f"unknown channel {channel!r}", "channel")
    if waited_minutes is not None and (channel not in LOGGABLE_CHANNELS or not text):
        raise ActionError("only a call or a visit, with what was said, has a waiting time", WAITED)
    helped_after = _helped_after_seconds(waited_minutes)
    identity = customer.identities.order_by("id").first()
    now = timezone.now()
    conversation = Conversation.objects.create(
        subject=one_line(subject),
        channel=channel,
        customer=customer,
        location=location or customer.location,
        team=team,
        created_at=now,
        last_message_at=now,
    )
    record(actor, Verb.CREATED, conversation, channel=channel)
    if text:
        receive(
            Inbound(
                channel=channel,
                identity_kind=identity.kind if identity else "",
                identity_value=identity.value if identity else "",
                subject=subject,
                text=text,
                conversation=conversation,
                logged_by=actor,
                helped_after_seconds=helped_after,
            )
        )
        conversation.refresh_from_db()
    else:  # the resolution clock starts
        publish(EventName.CONVERSATION_OPENED, conversation_id=conversation.pk, actor_id=_id(actor))
    return conversation


@transaction.atomic
def reply(
    actor: User,
    conversation: Conversation,
    text: str,
    *,
    html: str = "",
    mailbox: Mailbox | None = None,
    to: str | None = None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    files: Sequence[IncomingAttachment] = (),
    then_status: str | None = None,
    pending_until: datetime | None = None,
) -> Message:
    """Answer the customer by email; the mail is queued in the outbox with the reply.

    It goes from the conversation's mailbox. A conversation without one (a call,
    a walk-in) may be given one of `reply_mailboxes`; it keeps it, so that later
    replies come from the same address and the customer's answers thread back.

    It goes to `to`, or else the customer's address (`reply_address`), with copies to
    `cc` and hidden copies to `bcc`, `files` attached (`outgoing.checked_files`). The
    agent's and the mailbox's signatures are added below the text, as sent.
    `then_status` (and `pending_until`) moves the conversation on in the same transaction
    ("Send and solve", "Send and set pending"), as `set_status` does, with its own activity
    entry and event.
    """
    if then_status not in (None, Status.SOLVED, Status.PENDING):
        raise ActionError("after a reply, a conversation is solved or pending", "status")
    callers, conversation = conversation, _locked(conversation)
    recipient = reply_address(conversation) if to is None else to
    if not recipient.strip():
        raise ActionError(NO_EMAIL if to is None else "Give an email address.", "to")
    recipient = outgoing.mail_address(recipient, "to")
    copies = outgoing.mail_addresses(cc, "cc")
    hidden = outgoing.mail_addresses(bcc, "bcc")
    if not text.strip():
        raise ActionError("a reply needs text", "text")
    chosen_mailbox = _choose_mailbox(conversation, mailbox)
    attached = outgoing.checked_files(files, outgoing.attachment_limit(conversation.mailbox))
    now = timezone.now()
    sent_text = outgoing.signed(text, actor, conversation.mailbox)
    message = Message.objects.create(
        conversation=conversation,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        author=actor,
        text=sent_text,
        full_text=sent_text,
        html=_signed_html(sanitize_html(html), actor, conversation.mailbox) if html.strip() else "",
        created_at=now,
        meta=_recipients_meta(recipient, copies, hidden),
    )
    store_attachments([(message, file) for file in attached])
    changed = _responded(conversation, message)
    if chosen_mailbox:
        changed.append("mailbox")
    conversation.save(update_fields=changed)
    extra: dict[str, Any] = {"mailbox_id": conversation.mailbox_id} if chosen_mailbox else {}
    record(actor, Verb.REPLIED, conversation, message_id=message.pk, **extra)
    _sent(actor, message, recipient=recipient, cc=copies, bcc=hidden)
    if then_status is not None:
        set_status(actor, conversation, then_status, pending_until=pending_until)
    elif pending_until is not None:
        raise ActionError("only a pending conversation waits until a time", "pending_until")
    _keep_true(callers, conversation)
    return message


NO_EMAIL = "No email address is known for this customer — add one, or log a call."


def _recipients_meta(to: str, cc: list[str], bcc: list[str]) -> dict:
    """Who a mail went to, kept on its message for the thread (the outbox row may go)."""
    return {"to": [to], **({"cc": cc} if cc else {}), **({"bcc": bcc} if bcc else {})}


def _signed_html(html: str, actor: User | None, mailbox: Mailbox | None) -> str:
    added = outgoing.signatures(actor, mailbox)
    if not added:
        return html
    shown = "<br><br>".join(
        "<br>".join(escape(line) for line in text.splitlines()) for text in added
    )
    return f"{html}<p>-- <br>{shown}</p>"


@transaction.atomic
def forward(
    actor: User,
    message: Message,
    to: str,
    *,
    text: str = "",
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    files: Sequence[IncomingAttachment] = (),
) -> Message:
    """Send a message of the thread to someone else (a supplier, a colleague elsewhere): a new
    mail on the conversation with the original quoted below `text` and its files attached.

    It is not a response to the customer, whose wait goes on; internal notes stay internal.
    """
    if not forwardable(message):
        raise ActionError("Only an email is forwarded; notes and calls stay here.", "message")
    conversation = message.conversation
    recipient = outgoing.mail_address(to, "to")
    copies = outgoing.mail_addresses(cc, "cc")
    hidden = outgoing.mail_addresses(bcc, "bcc")
    # Inline pictures go as plain attachments: the quote is text, with no place for them.
    originals = [
        IncomingAttachment(a.filename, a.content_type, _read(a))
        for a in message.attachments.order_by("id")
    ]
    limit = outgoing.attachment_limit(conversation.mailbox)
    attached = outgoing.checked_files([*originals, *files], limit)
    body = outgoing.signed(text, actor, conversation.mailbox)
    body = f"{body}\n\n{_quoted(message)}".lstrip("\n")
    subject = f"Fwd: {conversation.subject or 'Your request'} {conversation.token}"
    return send_mail(
        actor,
        conversation,
        body,
        recipient,
        meta={"forwarded": message.pk, **_recipients_meta(recipient, copies, hidden)},
        verb=Verb.FORWARDED,
        subject=subject,
        files=attached,
        cc=copies,
        bcc=hidden,
    )


def forwardable(message: Message) -> bool:
    """An email that came or went; an internal note or a logged call stays on the desk."""
    return message.channel == Channel.EMAIL and message.direction != Direction.NOTE


def _read(attachment) -> bytes:
    with attachment.file.open("rb") as stored:
        return stored.read()


def _quoted(message: Message) -> str:
    """The forwarded message's header lines and text, as mail clients quote one."""
    if message.direction == Direction.INBOUND:
        identity = message.identity
        customer = identity.customer if identity else message.conversation.customer
        sender = f"{customer} <{identity.value}>" if identity else str(customer)
    else:
        mailbox = message.conversation.mailbox
        sender = mailbox.from_header if mailbox else (str(message.author or "Helpline"))
    lines = [
        "---------- Forwarded message ----------",
        f"From: {sender}",
        f"Date: {message.created_at:%a, %d %b %Y %H:%M} UTC",
        f"Subject: {message.conversation.subject}",
        "",
        message.full_text or message.text,
    ]
    return "\n".join(lines)


@transaction.atomic
def log_past_reply(
    actor: User,
    conversation: Conversation,
    text: str,
    *,
    at: datetime,
    channel: str = Channel.EMAIL,
    external_id: str = "",
    thread_key: str = "",
) -> Message:
    """Record a reply that was sent long ago (history recorded after the fact: an import,
    the demo). It is a response like `reply`, answering the customer's waits at `at`, but
    it queues no mail: it went then, by whatever sent it (an email is marked sent)."""
    if channel not in Channel.values:
        raise ActionError(f"unknown channel {channel!r}", "channel")
    if not text.strip():
        raise ActionError("a reply needs text", "text")
    if at > timezone.now():
        raise ActionError("a reply sent long ago cannot be in the future", "at")
    callers, conversation = conversation, _locked(conversation)
    email = channel == Channel.EMAIL
    message = Message.objects.create(
        conversation=conversation,
        channel=channel,
        direction=Direction.OUTBOUND,
        author=actor,
        text=text,
        full_text=text,
        external_id=external_id,
        thread_key=thread_key if email else "",
        delivery=Delivery.SENT if email else Delivery.NOT_APPLICABLE,
        created_at=at,
    )
    conversation.save(update_fields=_responded(conversation, message))
    record(actor, Verb.REPLIED, conversation, at=at, message_id=message.pk)
    _sent(actor, message)  # no recipient: the email channel queues nothing
    _keep_true(callers, conversation)
    return message


@transaction.atomic
def chat_reply(
    actor: User, conversation: Conversation, text: str, *, client_id: str = ""
) -> Message:
    """Answer the customer live in a chat: the message goes to their widget, not by mail.

    `client_id` is the agent's page's own id for the message: sent twice (a connection lost
    before the answer came), it is stored once and the stored message is returned.
    """
    if conversation.channel != Channel.CHAT:
        raise ActionError("only a chat is answered in the chat", "channel")
    if not text.strip():
        raise ActionError("a message needs text", "text")
    if len(text) > MAX_CHAT_TEXT:
        raise ActionError(f"a chat message has at most {MAX_CHAT_TEXT} characters", "text")
    callers, conversation = conversation, _locked(conversation)
    external_id = f"chat-agent:{actor.pk}:{client_id}" if client_id else ""
    if external_id:
        stored = (
            Message.objects.filter(channel=Channel.CHAT, external_id=external_id)
            .exclude(external_id="")
            .first()
        )
        if stored is not None:
            return stored
    message = Message.objects.create(
        conversation=conversation,
        channel=Channel.CHAT,
        direction=Direction.OUTBOUND,
        author=actor,
        text=text,
        full_text=text,
        external_id=external_id,
        created_at=timezone.now(),
    )
    conversation.save(update_fields=_responded(conversation, message))
    record(actor, Verb.REPLIED, conversation, message_id=message.pk, channel=Channel.CHAT)
    _sent(actor, message)
    _keep_true(callers, conversation)
    return message


def _sent(
    actor: User | None,
    message: Message,
    *,
    recipient: str = "",
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    headers: dict | None = None,
    subject: str = "",
) -> None:
    """Tell the bus we wrote to or reached the customer; mail names its recipient (and its
    own subject, if not the reply's), and the email channel queues it in this transaction."""
    conversation = message.conversation
    publish(
        EventName.MESSAGE_SENT,
        message_id=message.pk,
        conversation_id=conversation.pk,
        customer_id=conversation.customer_id,
        channel=message.channel,
        kind=message.kind,
        # A forward goes to a third party: the customer was not reached by it.
        reached_customer=message.reached_customer and "forwarded" not in message.meta,
        actor_id=_id(actor),
        recipient=recipient,
        cc=list(cc),
        bcc=list(bcc),
        headers=headers or {},
        subject=one_line(subject),
    )


@transaction.atomic
def send_automatic_reply(
    conversation: Conversation,
    text: str,
    recipient: str,
    *,
    verb: Verb,
    meta: dict,
    at: datetime | None = None,
) -> Message:
    """An answer no person wrote (the acknowledgement of a new conversation), by email.

    It is marked as automatic (`Auto-Submitted: auto-replied`, RFC 3834) so that other
    robots don't answer it, and it is not a response: the customer still waits for one.

    `at` with an empty `recipient` records one that went long ago (history recorded after
    the fact): it is marked sent and nothing is queued.
    """
    return send_mail(
        None,
        conversation,
        text,
        recipient,
        verb=verb,
        meta=meta,
        kind=MessageKind.AUTO_REPLY,
        headers={"Auto-Submitted": "auto-replied"},
        at=at,
    )


@transaction.atomic
def send_mail(
    actor: User | None,
    conversation: Conversation,
    text: str,
    recipient: str,
    *,
    meta: dict,
    verb: Verb | None = None,
    kind: str = MessageKind.NORMAL,
    subject: str = "",
    mailbox: Mailbox | None = None,
    files: Sequence[IncomingAttachment] = (),
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    headers: dict | None = None,
    at: datetime | None = None,
    html: str = "",
) -> Message:
    """Mail the customer something that is not a response (an invitation, a reminder, an
    acknowledgement): it is on the timeline, it does not stop the customer's wait.
    `html`, sanitised by the caller, is sent beside `text` as its HTML alternative.

    `mailbox` is kept on a conversation that has none, as a reply keeps it, so that the
    customer's answers thread back to one address. `subject` replaces the reply subject;
    `files` are attached. `at` with an empty `recipient` records a mail that went long ago
    (history recorded after the fact): it is marked sent and nothing is queued.
    """
    callers, conversation = conversation, _locked(conversation)
    if mailbox is not None and conversation.mailbox_id is None:
        conversation.mailbox = mailbox
        conversation.save(update_fields=["mailbox", "updated_at"])
    message = Message.objects.create(
        conversation=conversation,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        kind=kind,
        author=actor,
        text=text,
        full_text=text,
        html=html,
        delivery=Delivery.SENT if at is not None and not recipient else Delivery.NOT_APPLICABLE,
        created_at=at or timezone.now(),
        meta=meta,
    )
    store_attachments([(message, file) for file in files])
    if verb is not None:
        record(actor, verb, conversation, at=at, message_id=message.pk)
    _sent(actor, message, recipient=recipient, cc=cc, bcc=bcc, headers=headers, subject=subject)
    _keep_true(callers, conversation)
    return message


@transaction.atomic
def mark_undelivered(
    message: Message,
    error: str,
    *,
    evidence: Message | None = None,
    at: datetime | None = None,
) -> Message:
    """A message we sent did not reach the customer (a bounce said so)."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .get(pk=message.pk)
    )
    message.delivery = Delivery.UNDELIVERED
    message.delivery_error = error[:2000]
    message.save(update_fields=["delivery", "delivery_error"])
    data = {"message_id": message.pk, "evidence_id": evidence.pk if evidence else None}
    record(None, Verb.MESSAGE_UNDELIVERED, message.conversation, at=at, error=error[:200], **data)
    publish(
        EventName.MESSAGE_UNDELIVERED,
        message_id=message.pk,
        conversation_id=message.conversation_id,
        error=error[:2000],
    )
    return message


def remove_orphan_files() -> int:
    """Delete attachment files that no row points to, older than the grace period: what
    a killed or rolled-back transaction left behind (run by beat). How many."""
    return attachment_files.remove_orphan_files()


def reply_mailboxes(conversation: Conversation):
    """The mailboxes a reply may be sent from when the conversation has none yet:
    its location's and the shared ones (every active one when it has no location)."""
    mailboxes = Mailbox.objects.filter(active=True)
    if conversation.location_id is None:
        return mailboxes
    return mailboxes.filter(
        models.Q(location_id=conversation.location_id) | models.Q(location__isnull=True)
    )


def _choose_mailbox(conversation: Conversation, mailbox: Mailbox | None) -> bool:
    """Set the given mailbox on the conversation; whether it was newly chosen."""
    if mailbox is None or mailbox.pk == conversation.mailbox_id:
        return False
    if conversation.mailbox_id is not None:
        raise ActionError(f"this conversation replies from {conversation.mailbox}", "mailbox")
    if not reply_mailboxes(conversation).filter(pk=mailbox.pk).exists():
        raise ActionError(f"{mailbox} does not serve this conversation's location", "mailbox")
    conversation.mailbox = mailbox  # queue_reply takes the From header from it
    return True


def _responded(conversation: Conversation, response: Message) -> list[str]:
    """Note that we answered the customer with `response`; the fields that changed, for save().

    It answers every wait still open on the conversation.
    """
    at = response.created_at
    answer_open_waits(response)
    changed = ["last_message_at", "preview", "waiting_since", "updated_at"]
    conversation.show_latest(response)
    conversation.waiting_since = None
    if conversation.first_response_at is None:
        conversation.first_response_at = at
        changed.append("first_response_at")
    if conversation.status == Status.NEW:
        conversation.status = Status.OPEN
        changed.append("status")
    return changed


def reply_address(
    conversation: Conversation,
    *,
    thread: list[Message] | None = None,
) -> str:
    """The address a reply goes to; empty when the customer has none here.

    A page that has read the whole thread (oldest first, with identities) passes it, and the
    last inbound message is not read again."""
    # Only the customer's own addresses: a stranger who wrote into the
    # conversation (with a guessed subject token) is never answered with it.
    if thread is None:
        last_inbound = (
            conversation.messages.filter(
                direction=Direction.INBOUND,
                identity__kind=IdentityKind.EMAIL,
                identity__customer=conversation.customer_id,
                kind="normal",
            )
            .select_related("identity")
            .order_by("-created_at", "-id")
            .first()
        )
    else:
        last_inbound = next(
            (
                message
                for message in reversed(thread)
                if message.direction == Direction.INBOUND
                and message.kind == "normal"
                and message.identity is not None
                and message.identity.kind == IdentityKind.EMAIL
                and message.identity.customer_id == conversation.customer_id
            ),
            None,
        )
    if last_inbound is not None and last_inbound.identity is not None:
        return last_inbound.identity.value
    known = _identities_known_here(conversation).filter(kind=IdentityKind.EMAIL)
    return known.order_by("id").values_list("value", flat=True).first() or ""


def _identities_known_here(conversation: Conversation):
    """The customer's identities the conversation's location may use: a customer shared by
    another location is never written to at an address this one did not receive."""
    if conversation.location_id is None:  # only admins see such a conversation
        return conversation.customer.identities.all()
    return identities_known_at(conversation.customer, {conversation.location_id})


@transaction.atomic
def add_note(
    actor: User | None,
    conversation: Conversation,
    text: str,
    *,
    at: datetime | None = None,
    files: Sequence[IncomingAttachment] = (),
) -> Message:
    """An internal note, with `files` (`outgoing.checked_files`); `at` dates one written long
    ago (history recorded after the fact)."""
    if not text.strip():
        raise ActionError("a note needs text", "text")
    callers, conversation = conversation, _locked(conversation)
    attached = outgoing.checked_files(files, outgoing.attachment_limit(conversation.mailbox))
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.NOTE,
        author=actor,
        text=text,
        full_text=text,
        created_at=at or timezone.now(),
    )
    store_attachments([(message, file) for file in attached])
    record(actor, Verb.NOTED, conversation, at=at, message_id=message.pk)
    publish(
        EventName.NOTE_ADDED,
        message_id=message.pk,
        conversation_id=conversation.pk,
        actor_id=_id(actor),
    )
    _keep_true(callers, conversation)
    return message


@transaction.atomic
def log_contact(
    actor: User | None,
    conversation: Conversation,
    *,
    channel: str,
    text: str,
    direction: str,
    waited_minutes: int | None = None,
    at: datetime | None = None,
    external_id: str = "",
    meta: dict | None = None,
    talked_minutes: int | None = None,
) -> Message:
    """Log a phone call or an in-store visit on a conversation.

    Inbound (the customer called or came in) is received like any customer
    message: it reopens a pending or solved conversation, and on a closed one it
    starts a follow-up, whose message is returned. Since one of us talked with the
    customer, it is also our response (`Message.talked_with_customer`): it answers
    their waits at once, the first response included. Outbound (we called them) is
    a response too, when it reached them.

    `waited_minutes`, for inbound only, is how long the customer waited to be
    helped (on hold, in the queue).

    `at`, `external_id` and `meta`, for outbound only, are a phone system's record of
    its call: when it was, its id there and its details (its inbound calls go through
    `receive`, like every channel's messages).

    `talked_minutes` is how long the call or visit took (kept in the message's meta
    "duration_seconds", as a phone system's call has it; the time audit counts it).
    """
    if channel not in LOGGABLE_CHANNELS:
        raise ActionError("only a phone call or a visit can be logged", "channel")
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise ActionError("say whether the customer or we made contact", "direction")
    if not text.strip():
        raise ActionError("say what was said", "text")
    if waited_minutes is not None and direction != Direction.INBOUND:
        raise ActionError("only a customer who called or came in waited to be helped", WAITED)
    if (at or external_id or meta) and direction != Direction.OUTBOUND:
        raise ActionError("only an outbound call comes with a phone system's record", "direction")
    helped_after = _helped_after_seconds(waited_minutes)
    length = _talked_meta(talked_minutes)
    if direction == Direction.INBOUND:
        message = _log_inbound(actor, conversation, channel, text, helped_after, length)
    else:
        meta = {**(meta or {}), **length}
        message = _log_outbound(actor, conversation, channel, text, at, external_id, meta)
    record(
        actor,
        Verb.CONTACT_LOGGED,
        message.conversation,
        message_id=message.pk,
        channel=channel,
        direction=direction,
    )
    return message


@transaction.atomic
def log_call_we_made(
    actor: User | None,
    *,
    number: str,
    text: str,
    subject: str,
    location: Location | None,
    team: Team | None,
    customer_name: str = "",
    at: datetime | None = None,
    external_id: str = "",
    meta: dict | None = None,
) -> tuple[Message, bool]:
    """A phone system's record of a call we made to `number` (E.164): (its message, whether
    it started a conversation). It continues the customer's open phone conversation at that
    location, else starts one, and a number nobody knows becomes a new customer."""
    customer = _customer_with_phone(actor, number, customer_name, location)
    conversation = (
        Conversation.objects.filter(
            customer=customer, channel=Channel.PHONE, status__in=STILL_OPEN, location=location
        )
        .order_by("-last_message_at", "-id")
        .first()
    )
    new_conversation = conversation is None
    if conversation is None:
        conversation = start_conversation(
            actor, customer, channel=Channel.PHONE, subject=subject, location=location, team=team
        )
    message = log_contact(
        actor,
        conversation,
        channel=Channel.PHONE,
        text=text,
        direction=Direction.OUTBOUND,
        at=at,
        external_id=external_id,
        meta=meta,
    )
    return message, new_conversation


@transaction.atomic
def record_voicemail(
    actor: User | None, message: Message, *, text: str, duration_seconds: int, recording_url: str
) -> tuple[Message, bool]:
    """A call stored as missed or abandoned turned out to have left a voicemail: (the
    message, whether it changed). A call answered, or already a voicemail, stays as it is."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("identity")
        .get(pk=message.pk)
    )
    if message.meta.get("outcome") not in (CallOutcome.MISSED, CallOutcome.ABANDONED):
        return message, False
    message.meta = {
        **message.meta,
        "outcome": CallOutcome.VOICEMAIL,
        "duration_seconds": duration_seconds,
        "recording_url": recording_url,
    }
    message.text = message.full_text = text
    message.save(update_fields=["meta", "text", "full_text"])
    record(actor, Verb.VOICEMAIL_LEFT, message.conversation, message_id=message.pk)
    return message, True


def _customer_with_phone(
    actor: User | None, number: str, name: str, location: Location | None
) -> Customer:
    identity = (
        Identity.objects.select_related("customer")
        .filter(kind=IdentityKind.PHONE, value=number)
        .first()
    )
    if identity is not None:
        return customer_actions.resolve_merged(identity.customer)
    return customer_actions.create_customer(
        actor, name=name[:200], location=location, identities=[(IdentityKind.PHONE, number)]
    )


def _helped_after_seconds(waited_minutes: int | None) -> int | None:
    if waited_minutes is None:
        return None
    if not 0 <= waited_minutes <= MAX_WAITED_MINUTES:
        raise ActionError(
            f"the waiting time must be between 0 and {MAX_WAITED_MINUTES} minutes", WAITED
        )
    return waited_minutes * 60


# The longest call or visit an agent may log: a working day.
MAX_TALKED_MINUTES = 12 * 60


def _talked_meta(talked_minutes: int | None) -> dict:
    if talked_minutes is None:
        return {}
    if not 0 < talked_minutes <= MAX_TALKED_MINUTES:
        raise ActionError(f"from 1 to {MAX_TALKED_MINUTES} minutes", "talked_minutes")
    return {"duration_seconds": talked_minutes * 60}


def _log_inbound(
    actor: User | None,
    conversation: Conversation,
    channel: str,
    text: str,
    helped_after: int | None,
    meta: dict | None = None,
) -> Message:
    identities = list(_identities_known_here(conversation).order_by("id"))
    wanted_kind = IdentityKind.PHONE if channel == Channel.PHONE else None
    identity = next((i for i in identities if i.kind == wanted_kind), None) or next(
        iter(identities), None
    )
    received = receive(
        Inbound(
            channel=channel,
            identity_kind=identity.kind if identity else "",
            identity_value=identity.value if identity else "",
            subject=conversation.subject,
            text=text,
            conversation=conversation,
            # Where a follow-up of a closed conversation lands.
            location=conversation.location,
            team=conversation.team,
            mailbox=conversation.mailbox,
            logged_by=actor,
            helped_after_seconds=helped_after,
            meta=meta or {},
        )
    )
    return received.message


def _log_outbound(
    actor: User | None,
    conversation: Conversation,
    channel: str,
    text: str,
    at: datetime | None = None,
    external_id: str = "",
    meta: dict | None = None,
) -> Message:
    callers, conversation = conversation, _locked(conversation)
    message = Message.objects.create(
        conversation=conversation,
        channel=channel,
        direction=Direction.OUTBOUND,
        author=actor,
        text=text,
        full_text=text,
        external_id=external_id,
        meta=meta or {},
        created_at=at or timezone.now(),
    )
    if message.talked_with_customer:
        changed = _responded(conversation, message)
    else:  # a call nobody picked up is an attempt, not an answer: the customer still waits
        conversation.show_latest(message)
        changed = ["last_message_at", "preview", "updated_at"]
    conversation.save(update_fields=changed)
    _sent(actor, message)
    _keep_true(callers, conversation)
    return message


def _locked(conversation: Conversation) -> Conversation:
    """The conversation's row, locked until the action commits: every action decides from it,
    never from the caller's copy, which may be stale (see `_keep_true`)."""
    return Conversation.objects.select_for_update(of=("self",)).get(pk=conversation.pk)


def _keep_true(callers: Conversation, locked: Conversation) -> Conversation:
    """The caller's copy, given what the action decided from the locked row and wrote."""
    if callers is not locked:
        for field in Conversation._meta.concrete_fields:
            setattr(callers, field.attname, getattr(locked, field.attname))
    return locked


@transaction.atomic
def assign(
    actor: User | None,
    conversation: Conversation,
    *,
    assignee: User | None = None,
    team: Team | None = None,
    at: datetime | None = None,
) -> Conversation:
    """Assign to an agent and/or a team; `at` dates the activity (history after the fact)."""
    callers, conversation = conversation, _locked(conversation)
    if assignee is not None and not assignee.serves(conversation.location_id):
        raise ActionError(f"{assignee} does not serve this conversation's location", "assignee")
    if team is not None and team.location_id not in (None, conversation.location_id):
        raise ActionError(f"team {team} works for another location", "team")
    before = {"assignee": conversation.assignee_id, "team": conversation.team_id}
    conversation.assignee = assignee
    conversation.team = team if team is not None else conversation.team
    conversation.save(update_fields=["assignee", "team", "updated_at"])
    after = {"assignee": conversation.assignee_id, "team": conversation.team_id}
    _changed(actor, conversation, Verb.ASSIGNED, before, after, at=at)
    return _keep_true(callers, conversation)


def agents_serving(conversation: Conversation):
    """The active agents `assign` accepts for the conversation."""
    return User.objects.serving(conversation.location_id)


def teams_serving(conversation: Conversation):
    """The teams `assign` accepts: the conversation's location's and those shared by all."""
    return Team.objects.filter(
        models.Q(location__isnull=True) | models.Q(location_id=conversation.location_id)
    )


@transaction.atomic
def set_status(
    actor: User | None,
    conversation: Conversation,
    status: str,
    *,
    at: datetime | None = None,
    pending_until: datetime | None = None,
) -> Conversation:
    """Move the conversation to `status`. Pending, solved and closed stop the customer's wait
    (nobody waits on us any more); leaving solved or closed forgets when it was solved.

    Pending may be `pending_until` a moment: the conversation then reopens itself
    (`reopen_when_due`, swept by celery beat). Any other status forgets that moment.

    `at` is when it happened, for history recorded after the fact (the activity's time and
    the solved time)."""
    if status not in Status.values:
        raise ActionError(f"status must be one of {', '.join(Status.values)}", "status")
    if pending_until is not None:
        if status != Status.PENDING:
            raise ActionError("only a pending conversation waits until a time", "pending_until")
        pending_until = _future(pending_until)
    callers, conversation = conversation, _locked(conversation)
    if status == conversation.status and pending_until == conversation.pending_until:
        return _keep_true(callers, conversation)
    _move(actor, conversation, status, at=at, pending_until=pending_until)
    return _keep_true(callers, conversation)


def _future(moment: datetime) -> datetime:
    """A pending-until moment: later than now, within the window of a planned date."""
    check_pending_until(moment)
    if moment <= timezone.now():
        raise ActionError("that time has passed", "pending_until")
    return moment


def _move(
    actor: User | None,
    conversation: Conversation,
    status: str,
    *,
    at: datetime | None = None,
    pending_until: datetime | None = None,
    **why,
) -> None:
    """Write the locked conversation's new status, log it and publish it."""
    before = conversation.status
    changed = ["status", "pending_until", "updated_at"]
    conversation.status = status
    conversation.pending_until = pending_until
    if status in (Status.PENDING, Status.SOLVED, Status.CLOSED):
        conversation.waiting_since = None
        changed.append("waiting_since")
    if status in (Status.SOLVED, Status.CLOSED):
        if not conversation.solved_at:
            conversation.solved_at = at or timezone.now()
            changed.append("solved_at")
    elif conversation.solved_at:
        conversation.solved_at = None
        changed.append("solved_at")
    conversation.save(update_fields=changed)
    if pending_until is not None:
        why["pending_until"] = pending_until.isoformat()
    _changed(actor, conversation, Verb.STATUS_CHANGED, before, status, at=at, **why)


def solve(actor: User | None, conversation: Conversation) -> Conversation:
    return set_status(actor, conversation, Status.SOLVED)


def reopen(actor: User | None, conversation: Conversation) -> Conversation:
    return set_status(actor, conversation, Status.OPEN)


def pending_due(now: datetime | None = None, limit: int = REOPEN_BATCH) -> list[int]:
    """Pending conversations whose pending-until moment has come, the earliest first."""
    return list(
        Conversation.objects.filter(
            status=Status.PENDING,
            pending_until__isnull=False,
            pending_until__lte=now or timezone.now(),
        )
        .order_by("pending_until", "id")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def reopen_when_due(conversation_id: int, now: datetime | None = None) -> bool:
    """Reopen a conversation whose pending-until moment has come; whether this call did.

    Decided from the locked row: one an agent or the customer moved since it was found
    (solved it, pushed the moment later, wrote in) is left as it is, and of two workers at
    once the second finds it open already."""
    now = now or timezone.now()
    conversation = Conversation.objects.select_for_update(of=("self",)).get(pk=conversation_id)
    due = conversation.pending_until
    if conversation.status != Status.PENDING or due is None or due > now:
        return False
    _move(
        None, conversation, Status.OPEN, because="pending_until", pending_until_was=due.isoformat()
    )
    return True


def reopen_due_pending(now: datetime | None = None) -> int:
    """The beat sweep: every conversation whose pending time is over reopens; how many did."""
    now = now or timezone.now()
    return sum(reopen_when_due(pk, now) for pk in pending_due(now))


@transaction.atomic
def set_priority(
    actor: User | None, conversation: Conversation, priority: str, *, at: datetime | None = None
) -> Conversation:
    if priority not in Priority.values:
        raise ActionError(f"priority must be one of {', '.join(Priority.values)}", "priority")
    callers, conversation = conversation, _locked(conversation)
    before = conversation.priority
    if priority == before:
        return _keep_true(callers, conversation)
    conversation.priority = priority
    conversation.save(update_fields=["priority", "updated_at"])
    _changed(actor, conversation, Verb.PRIORITY_CHANGED, before, priority, at=at)
    return _keep_true(callers, conversation)


@transaction.atomic
def rename(actor: User | None, conversation: Conversation, subject: str) -> Conversation:
    subject = one_line(subject)  # a subject is one line, with no control characters
    callers, conversation = conversation, _locked(conversation)
    before = conversation.subject
    if subject == before:
        return _keep_true(callers, conversation)
    conversation.subject = subject
    conversation.save(update_fields=["subject", "updated_at"])
    _changed(actor, conversation, Verb.RENAMED, before, subject)
    return _keep_true(callers, conversation)


@transaction.atomic
def set_tags(
    actor: User | None, conversation: Conversation, names: list[str], *, at: datetime | None = None
) -> Conversation:
    cleaned = sorted({n.strip().lower()[:64] for n in names if n.strip()})
    if len(cleaned) > 50:  # the cap for every entry point (the desk's form posted 3,000)
        raise ActionError("at most 50 tags", "tags")
    callers, conversation = conversation, _locked(conversation)
    tags = [Tag.objects.get_or_create(name=name)[0] for name in cleaned]
    before = sorted(conversation.tags.values_list("name", flat=True))
    conversation.tags.set(tags)
    _changed(actor, conversation, Verb.TAGGED, before, cleaned, at=at)
    return _keep_true(callers, conversation)


def add_tags(actor: User | None, conversation: Conversation, names: list[str]) -> Conversation:
    """Tag with `names` besides the tags it has (read under the lock: a tag someone added a
    moment ago stays)."""
    with transaction.atomic():
        locked = _locked(conversation)
        kept = list(locked.tags.values_list("name", flat=True))
        return set_tags(actor, conversation, kept + names)


# What a change of one of the conversation's settings publishes, by the verb it records.
CHANGE_EVENTS = {
    Verb.ASSIGNED: EventName.CONVERSATION_ASSIGNED,
    Verb.STATUS_CHANGED: EventName.CONVERSATION_STATUS_CHANGED,
    Verb.PRIORITY_CHANGED: EventName.CONVERSATION_PRIORITY_CHANGED,
    Verb.RENAMED: EventName.CONVERSATION_RENAMED,
    Verb.TAGGED: EventName.CONVERSATION_TAGGED,
}


def _changed(
    actor: User | None, conversation: Conversation, verb: Verb, before, after, *, at=None, **more
) -> None:
    """Log a change of a setting of the conversation and publish its event, with what it was,
    what it is now and `more` about it (a status's pending-until moment, why it changed)."""
    if verb == Verb.ASSIGNED:  # its activity has always listed the new values at the top
        record(actor, verb, conversation, at=at, before=before, **after)
    else:
        record(actor, verb, conversation, at=at, before=before, after=after, **more)
    publish(
        CHANGE_EVENTS[verb],
        conversation_id=conversation.pk,
        actor_id=_id(actor),
        before=before,
        after=after,
        **more,
    )


def _id(actor: User | None) -> int | None:
    return getattr(actor, "pk", None)


# Canned replies -------------------------------------------------------------------------

CANNED_FIELDS = ("title", "body", "location")
MAX_CANNED_TITLE: int = CannedReply._meta.get_field("title").max_length or 200
MAX_CANNED_BODY = 20_000


def _clean_canned(values: dict) -> dict:
    refuse_unknown(values, CANNED_FIELDS)
    cleaned = dict(values)
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
        if not cleaned["title"]:
            raise ActionError("A canned reply needs a title agents pick it by.", "title")
        if len(cleaned["title"]) > MAX_CANNED_TITLE:
            raise ActionError(f"at most {MAX_CANNED_TITLE} characters", "title")
    if "body" in cleaned:
        cleaned["body"] = (cleaned["body"] or "").strip()
        if not cleaned["body"]:
            raise ActionError("Write the text agents insert.", "body")
        if len(cleaned["body"]) > MAX_CANNED_BODY:
            raise ActionError(f"at most {MAX_CANNED_BODY} characters", "body")
    for name in ("title", "body"):
        if "\x00" in cleaned.get(name, ""):
            raise ActionError("may not contain NUL characters", name)
    return cleaned


def _require_configurer(actor: User | None) -> None:
    if actor is not None and not actor.sees_everything:
        raise PermissionError("only an admin changes canned replies")


@transaction.atomic
def create_canned_reply(actor: User | None, **values) -> CannedReply:
    _require_configurer(actor)
    values = _clean_canned({"title": "", "body": "", "location": None, **values})
    reply = CannedReply.objects.create(**values)
    record(
        actor,
        Verb.CANNED_CREATED,
        reply,
        title=reply.title,
        location=reply.location_id,
    )
    return reply


@transaction.atomic
def update_canned_reply(actor: User | None, reply: CannedReply, **changes) -> CannedReply:
    _require_configurer(actor)
    reply = CannedReply.objects.select_for_update().get(pk=reply.pk)
    changes = _clean_canned(changes)

    def plain(value):
        return getattr(value, "pk", value)

    changed = {
        name: [plain(getattr(reply, name)), plain(value)]
        for name, value in changes.items()
        if plain(getattr(reply, name)) != plain(value)
    }
    if changed:
        for name, value in changes.items():
            setattr(reply, name, value)
        reply.save()
        record(actor, Verb.CANNED_UPDATED, reply, changed=changed)
    return reply
