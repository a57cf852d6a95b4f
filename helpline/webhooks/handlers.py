"""Which bus events become webhooks: an outbox row per endpoint, in the event's transaction.

Queued in the transaction (not after commit) so that the row exists exactly when its cause
does: a rolled-back cause leaves no delivery, a committed one always has its rows.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from helpline.conversations.models import Status
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.webhooks import outbox
from helpline.webhooks.models import WebhookEvent

# A bus event, and the webhook event it is announced as (with a test of its payload).
ANNOUNCED = {
    EventName.SURVEY_ANSWERED: WebhookEvent.SURVEY_ANSWERED,
    EventName.RECOVERY_OPENED: WebhookEvent.RECOVERY_OPENED,
    EventName.RECOVERY_STEP: WebhookEvent.RECOVERY_STEP,
    EventName.RECOVERY_CLOSED: WebhookEvent.RECOVERY_CLOSED,
    EventName.MESSAGE_RECEIVED: WebhookEvent.MESSAGE_RECEIVED,
    EventName.CONVERSATION_STATUS_CHANGED: WebhookEvent.CONVERSATION_SOLVED,
}
# History taken in (a mailbox's old mail, an import) is not announced as news.
RECENT = timedelta(days=1)


def is_solved(payload: dict) -> bool:
    return payload.get("after") == Status.SOLVED


def is_recent(payload: dict) -> bool:
    created_at = payload.get("created_at")
    return not created_at or datetime.fromisoformat(created_at) >= timezone.now() - RECENT


WHEN = {
    EventName.CONVERSATION_STATUS_CHANGED: is_solved,
    EventName.MESSAGE_RECEIVED: is_recent,
}


def connect() -> None:
    for name in ANNOUNCED:
        subscribe(name, announce, phase=Phase.IN_TRANSACTION, many=True, when=WHEN.get(name))


def announce(events: list[Event]) -> None:
    outbox.queue((ANNOUNCED[event.name], event.payload) for event in events)
