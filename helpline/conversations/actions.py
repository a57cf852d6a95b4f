"""State changes of conversations. Views, the API, commands and tasks call these.

Each action is one transaction and writes one activity row; side effects
(sending mail) go through outbox rows delivered after commit.
"""

from django.db import transaction
from django.utils import timezone

from helpline.channels.email import outbox
from helpline.channels.email.parse import sanitize_html
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
from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import Location, Team, User
from helpline.customers.models import Customer, IdentityKind


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
) -> Conversation:
    """An agent records a contact that reached them directly: a call, a walk-in, a form."""
    if channel not in Channel.values:
        raise ActionError(f"unknown channel {channel!r}", "channel")
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
            )
        )
        conversation.refresh_from_db()
    return conversation


@transaction.atomic
def reply(actor: User, conversation: Conversation, text: str, *, html: str = "") -> Message:
    """Answer the customer by email; the mail is queued in the outbox with the reply."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    recipient = _reply_address(conversation)
    if not recipient:
        raise ActionError("the customer has no email address to reply to", "text")
    if not text.strip():
        raise ActionError("a reply needs text", "text")
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
    changed = ["last_message_at", "waiting_since", "updated_at"]
    conversation.last_message_at = now
    conversation.waiting_since = None
    if conversation.first_response_at is None:
        conversation.first_response_at = now
        changed.append("first_response_at")
    if conversation.status == Status.NEW:
        conversation.status = Status.OPEN
        changed.append("status")
    conversation.save(update_fields=changed)
    record(actor, "conversation.replied", conversation, message_id=message.pk)
    return message


def _reply_address(conversation: Conversation) -> str:
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
