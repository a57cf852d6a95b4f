"""State changes of conversations. Views, the API, commands and tasks call these.

Each action is one transaction and writes one activity row; side effects
(sending mail) go through outbox rows delivered after commit.
"""

from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from helpline.channels.email import outbox
from helpline.conversations.models import (
    Channel,
    Conversation,
    Direction,
    Message,
    Priority,
    Status,
    Tag,
)
from helpline.conversations.receive import Inbound, receive
from helpline.conversations.waits import answer_open_waits
from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.html import sanitize_html
from helpline.core.models import Location, Mailbox, Role, Team, User
from helpline.customers.models import Customer, IdentityKind
from helpline.sla.clocks import refresh as refresh_sla_clocks

# Contacts an agent logs by hand: nothing arrives through a channel adapter for these.
LOGGABLE_CHANNELS = (Channel.PHONE, Channel.WALK_IN)
WAITED = "waited_minutes"
# A day: longer than anyone stands in a queue or holds the line, so surely a typing slip.
MAX_WAITED_MINUTES = 24 * 60


@transaction.atomic
def start_conversation(
    actor: User,
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
        subject=subject,
        channel=channel,
        customer=customer,
        location=location or customer.location,
        team=team,
        created_at=now,
        last_message_at=now,
    )
    record(actor, "conversation.created", conversation, channel=channel)
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
    else:
        refresh_sla_clocks([conversation.pk])  # the resolution clock starts
    return conversation


@transaction.atomic
def reply(
    actor: User,
    conversation: Conversation,
    text: str,
    *,
    html: str = "",
    mailbox: Mailbox | None = None,
) -> Message:
    """Answer the customer by email; the mail is queued in the outbox with the reply.

    It goes from the conversation's mailbox. A conversation without one (a call,
    a walk-in) may be given one of `reply_mailboxes`; it keeps it, so that later
    replies come from the same address and the customer's answers thread back.
    """
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    recipient = reply_address(conversation)
    if not recipient:
        raise ActionError("the customer has no email address to reply to", "text")
    if not text.strip():
        raise ActionError("a reply needs text", "text")
    chosen_mailbox = _choose_mailbox(conversation, mailbox)
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        author=actor,
        text=text,
        full_text=text,
        html=sanitize_html(html) if html.strip() else "",
        created_at=now,
    )
    outbox.queue_reply(message, recipient)
    changed = _responded(conversation, message)
    if chosen_mailbox:
        changed.append("mailbox")
    conversation.save(update_fields=changed)
    refresh_sla_clocks([conversation.pk])
    extra = {"mailbox_id": mailbox.pk} if chosen_mailbox else {}
    record(actor, "conversation.replied", conversation, message_id=message.pk, **extra)
    return message


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
    changed = ["last_message_at", "waiting_since", "updated_at"]
    conversation.last_message_at = max(conversation.last_message_at, at)
    conversation.waiting_since = None
    if conversation.first_response_at is None:
        conversation.first_response_at = at
        changed.append("first_response_at")
    if conversation.status == Status.NEW:
        conversation.status = Status.OPEN
        changed.append("status")
    return changed


def reply_address(conversation: Conversation) -> str:
    """The address a reply goes to; empty when the customer has none."""
    # Only the customer's own addresses: a stranger who wrote into the
    # conversation (with a guessed subject token) is never answered with it.
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
    if last_inbound is not None:
        return last_inbound.identity.value
    return conversation.customer.primary_email()


@transaction.atomic
def add_note(actor: User, conversation: Conversation, text: str) -> Message:
    if not text.strip():
        raise ActionError("a note needs text", "text")
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.NOTE,
        author=actor,
        text=text,
        full_text=text,
        created_at=timezone.now(),
    )
    record(actor, "conversation.noted", conversation, message_id=message.pk)
    return message


@transaction.atomic
def log_contact(
    actor: User,
    conversation: Conversation,
    *,
    channel: str,
    text: str,
    direction: str,
    waited_minutes: int | None = None,
    at: datetime | None = None,
    external_id: str = "",
    meta: dict | None = None,
) -> Message:
    """Log a phone call or an in-store visit on a conversation.

    Inbound (the customer called or came in) is received like any customer
    message, so it starts a wait and reopens a pending or solved conversation;
    on a closed one it starts a follow-up, whose message is returned. Outbound
    (we called them) is a response, like a reply without the email.

    `waited_minutes`, for inbound only, is how long the customer waited to be
    helped (on hold, in the queue); it answers their wait at once.

    `at`, `external_id` and `meta`, for outbound only, are a phone system's record of
    its call: when it was, its id there and its details (its inbound calls go through
    `receive`, like every channel's messages).
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
    if direction == Direction.INBOUND:
        message = _log_inbound(actor, conversation, channel, text, helped_after)
    else:
        message = _log_outbound(actor, conversation, channel, text, at, external_id, meta or {})
    record(
        actor,
        "conversation.contact_logged",
        message.conversation,
        message_id=message.pk,
        channel=channel,
        direction=direction,
    )
    return message


def _helped_after_seconds(waited_minutes: int | None) -> int | None:
    if waited_minutes is None:
        return None
    if not 0 <= waited_minutes <= MAX_WAITED_MINUTES:
        raise ActionError(
            f"the waiting time must be between 0 and {MAX_WAITED_MINUTES} minutes", WAITED
        )
    return waited_minutes * 60


def _log_inbound(
    actor: User, conversation: Conversation, channel: str, text: str, helped_after: int | None
) -> Message:
    identities = list(conversation.customer.identities.order_by("id"))
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
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
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
    if message.reached_customer:
        changed = _responded(conversation, message)
    else:  # a call nobody picked up is an attempt, not an answer: the customer still waits
        conversation.last_message_at = max(conversation.last_message_at, message.created_at)
        changed = ["last_message_at", "updated_at"]
    conversation.save(update_fields=changed)
    refresh_sla_clocks([conversation.pk])
    return message


@transaction.atomic
def assign(
    actor: User,
    conversation: Conversation,
    *,
    assignee: User | None = None,
    team: Team | None = None,
) -> Conversation:
    if assignee is not None and not _may_serve(assignee, conversation):
        raise ActionError(f"{assignee} does not serve this conversation's location", "assignee")
    before = {"assignee": conversation.assignee_id, "team": conversation.team_id}
    conversation.assignee = assignee
    conversation.team = team if team is not None else conversation.team
    conversation.save(update_fields=["assignee", "team", "updated_at"])
    record(
        actor,
        "conversation.assigned",
        conversation,
        before=before,
        assignee=conversation.assignee_id,
        team=conversation.team_id,
    )
    return conversation


def _may_serve(agent: User, conversation: Conversation) -> bool:
    if agent.sees_everything or conversation.location_id is None:
        return True
    return conversation.location_id in agent.location_ids()


def agents_serving(conversation: Conversation):
    """The active agents `assign` accepts for the conversation: its location's, and admins."""
    agents = User.objects.filter(is_active=True)
    if conversation.location_id is None:
        return agents
    return agents.filter(
        models.Q(locations=conversation.location_id)
        | models.Q(role=Role.ADMIN)
        | models.Q(is_superuser=True)
    ).distinct()


@transaction.atomic
def update(actor: User, conversation: Conversation, **changes) -> Conversation:
    """Change status, priority or subject; each given value is validated."""
    allowed = {"status": Status.values, "priority": Priority.values, "subject": None}
    for field, value in changes.items():
        if field not in allowed:
            raise ActionError(f"cannot change {field}", field)
        if allowed[field] is not None and value not in allowed[field]:
            raise ActionError(f"{field} must be one of {', '.join(allowed[field])}", field)
    before = {field: getattr(conversation, field) for field in changes}
    changed = [*changes, "updated_at"]
    for field, value in changes.items():
        setattr(conversation, field, value)
    if changes.get("status") in (Status.PENDING, Status.SOLVED, Status.CLOSED):
        conversation.waiting_since = None  # nobody waits on us any more
        changed.append("waiting_since")
    if "status" in changes:
        if changes["status"] in (Status.SOLVED, Status.CLOSED) and not conversation.solved_at:
            conversation.solved_at = timezone.now()
            changed.append("solved_at")
        elif changes["status"] not in (Status.SOLVED, Status.CLOSED):
            conversation.solved_at = None
            changed.append("solved_at")
    conversation.save(update_fields=changed)
    if "status" in changes or "priority" in changes:
        refresh_sla_clocks([conversation.pk])
    record(actor, "conversation.updated", conversation, before=before, after=changes)
    return conversation


@transaction.atomic
def set_tags(actor: User, conversation: Conversation, names: list[str]) -> Conversation:
    cleaned = sorted({n.strip().lower() for n in names if n.strip()})
    tags = [Tag.objects.get_or_create(name=name[:64])[0] for name in cleaned]
    before = sorted(conversation.tags.values_list("name", flat=True))
    conversation.tags.set(tags)
    record(actor, "conversation.tagged", conversation, before=before, after=cleaned)
    return conversation
