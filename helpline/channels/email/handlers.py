"""What the email channel does about the desk's events: send our mail, confirm receipt."""

from datetime import datetime

from django.utils import timezone

from helpline.channels.email import acknowledge, outbox
from helpline.conversations.models import Channel, Message
from helpline.core.events import Event, EventName, Phase, subscribe


def connect() -> None:
    subscribe(EventName.MESSAGE_SENT, queue_mail, phase=Phase.IN_TRANSACTION, when=is_mail)
    subscribe(
        EventName.MESSAGE_RECEIVED,
        acknowledge_new_conversation,
        phase=Phase.AFTER_COMMIT,
        when=opens_mail_conversation,
    )


def is_mail(payload: dict) -> bool:
    return payload["channel"] == Channel.EMAIL and bool(payload["recipient"])


def opens_mail_conversation(payload: dict) -> bool:
    """A person's new email conversation, recent enough to confirm: history taken from a
    mailbox or an import (and the demo's year) stores no delivery at all."""
    if not payload["new_conversation"] or payload["channel"] != Channel.EMAIL:
        return False
    return datetime.fromisoformat(payload["created_at"]) >= timezone.now() - acknowledge.RECENT


def queue_mail(event: Event) -> None:
    """A message to the customer by email gets its outbox row in the same transaction."""
    message = Message.objects.select_related("conversation__mailbox").get(pk=event["message_id"])
    outbox.queue_reply(
        message,
        event["recipient"],
        event["headers"],
        subject=event.get("subject", ""),
        cc=event.get("cc", []),
        bcc=event.get("bcc", []),
    )


def acknowledge_new_conversation(event: Event) -> None:
    acknowledge.acknowledge(event["message_id"])
