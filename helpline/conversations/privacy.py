"""The conversations app's part of a customer's data request (helpline.customers.privacy):
their conversations, messages and attachments in the export; on erasure, the words go and
the statistics stay.

Erasure keeps every conversation and message row with its channel, direction, kind, status,
priority, times, SLA clocks, waits and location, so that counts and response times add up;
it replaces subjects and message text, empties HTML, the quoted history, addresses in the
messages' meta and delivery errors, forgets Message-IDs and thread keys (a later mail no
longer threads onto an erased conversation), and deletes attachments with their files.
"""

import logging

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from helpline.conversations.models import Attachment, Conversation, Message
from helpline.core.chunks import chunked, ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import ERASED, personal_strings, redact_activity, redact_deliveries
from helpline.core.redact import scrub as scrub_value
from helpline.customers.privacy import Contribution, ExportFile, contribute, history_of

log = logging.getLogger(__name__)

# Meta keys that say who sent what to whom; the rest (outcome, duration, direction, source,
# automatic…) is what reports read and stays.
PERSONAL_META = ("from", "to", "cc", "reply_to", "bounced_recipients", "recording_url")


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("conversations", export)


def attachment_path(attachment: Attachment) -> str:
    """Where an attachment lies in the export ZIP; the JSON names it so."""
    return f"attachments/{attachment.message_id}/{attachment.pk}-{attachment.filename}"


def export(customer_ids: list[int]) -> Contribution:
    conversations = list(
        Conversation.objects.filter(customer_id__in=customer_ids)
        .select_related("location", "team", "assignee", "mailbox")
        .prefetch_related("tags")
        .order_by("created_at", "pk")
    )
    by_conversation: dict[int, list[dict]] = {c.pk: [] for c in conversations}
    files = []
    for chunk in chunked(list(by_conversation)):
        messages = (
            Message.objects.filter(conversation_id__in=chunk)
            .select_related("author", "identity")
            .prefetch_related("attachments")
            .order_by("created_at", "pk")
        )
        for message in messages:
            attachments = []
            for attachment in message.attachments.all():
                path = attachment_path(attachment)
                attachments.append(
                    {
                        "id": attachment.pk,
                        "filename": attachment.filename,
                        "content_type": attachment.content_type,
                        "size": attachment.size,
                        "inline": attachment.inline,
                        "path": path,
                    }
                )
                if attachment.file:
                    files.append(ExportFile(path, _opener(attachment)))
            by_conversation[message.conversation_id].append(
                {
                    "id": message.pk,
                    "channel": message.channel,
                    "direction": message.direction,
                    "kind": message.kind,
                    "author": message.author.get_username() if message.author else None,
                    "identity": message.identity.value if message.identity else None,
                    "text": message.text,
                    "full_text": message.full_text,
                    "html": message.html,
                    "external_id": message.external_id,
                    "meta": message.meta,
                    "delivery": message.delivery,
                    "delivery_error": message.delivery_error,
                    "created_at": message.created_at,
                    "attachments": attachments,
                }
            )
    events: dict[str, list[dict]] = {}
    for row in history_of(Conversation, list(by_conversation)):
        events.setdefault(row["subject"], []).append(row)
    data = [
        {
            "id": c.pk,
            "customer_id": c.customer_id,
            "subject": c.subject,
            "channel": c.channel,
            "status": c.status,
            "priority": c.priority,
            "location": c.location.name if c.location else None,
            "team": c.team.name if c.team else None,
            "assignee": c.assignee.get_username() if c.assignee else None,
            "mailbox": c.mailbox.address if c.mailbox else None,
            "tags": sorted(tag.name for tag in c.tags.all()),
            "created_at": c.created_at,
            "first_response_at": c.first_response_at,
            "solved_at": c.solved_at,
            "last_message_at": c.last_message_at,
            "response_due_at": c.response_due_at,
            "resolution_due_at": c.resolution_due_at,
            "messages": by_conversation[c.pk],
            "events": events.get(f"{Conversation._meta.model_name}#{c.pk}", []),
        }
        for c in conversations
    ]
    return Contribution(data, files)


def _opener(attachment: Attachment):
    def open_file():
        return attachment.file.open("rb")

    return open_file


def erase(event: Event) -> dict:
    customer_ids = event["customer_ids"]
    conversations = Conversation.objects.filter(customer_id__in=customer_ids)
    conversation_ids = ids_of(conversations)
    subjects = list(conversations.exclude(subject="").values_list("subject", flat=True))
    personal = personal_strings([*event["personal"], *subjects])

    messages = 0
    attachment_files: list[str] = []
    attachments = 0
    for chunk in chunked(conversation_ids):
        Conversation.objects.filter(pk__in=chunk).update(subject=ERASED, preview="")
        rows = list(Message.objects.filter(conversation_id__in=chunk).only("pk", "meta"))
        for message in rows:
            meta = {k: v for k, v in (message.meta or {}).items() if k not in PERSONAL_META}
            message.meta = scrub_value(meta, personal)
        Message.objects.bulk_update(rows, ["meta"], batch_size=500)
        messages += Message.objects.filter(conversation_id__in=chunk).update(
            text=ERASED, full_text="", html="", thread_key="", delivery_error=""
        )
        # Message-IDs are unique per channel: each gets one that names nothing.
        Message.objects.filter(conversation_id__in=chunk).exclude(external_id="").update(
            external_id=Concat(Value("erased."), Cast("pk", CharField()))
        )
        files = Attachment.objects.filter(message__conversation_id__in=chunk)
        attachment_files += [name for name in files.values_list("file", flat=True) if name]
        attachments += files.delete()[0]
    transaction.on_commit(lambda: _delete_files(attachment_files))

    message_ids = ids_of(Message.objects.filter(conversation_id__in=conversation_ids))
    logs = redact_activity(Conversation, conversation_ids, personal)
    logs += redact_activity(Message, message_ids, personal)
    logs += redact_deliveries("conversation_id", conversation_ids, personal)
    return {
        "conversations": len(conversation_ids),
        "messages": messages,
        "attachments": attachments,
        "conversation_logs": logs,
    }


def _delete_files(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the orphan sweep (conversations.files) removes it later
            log.warning("could not delete the erased attachment %s", name, exc_info=True)
