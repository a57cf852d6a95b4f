"""SLA's part of erasing a customer (helpline.customers.privacy): the desk notifications about
their conversations quote the subject, so their text goes; the breaches and warnings
themselves (SlaEvent) name nothing and stay for the reports."""

from helpline.conversations.models import Conversation
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import ERASED
from helpline.sla.models import Notification, NotificationEmail


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)


def erase(event: Event) -> dict:
    conversations = Conversation.objects.filter(customer_id__in=event["customer_ids"])
    notifications = Notification.objects.filter(conversation__in=conversations)
    changed = 0
    for pk, conversation_id in notifications.values_list("pk", "conversation_id"):
        changed += Notification.objects.filter(pk=pk).update(text=f"#{conversation_id} {ERASED}")
    NotificationEmail.objects.filter(notification__in=notifications).update(subject=ERASED, body="")
    return {"notifications": changed}
