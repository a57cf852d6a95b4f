"""Webhooks' part of erasing a customer (helpline.customers.privacy): deliveries kept in the
outbox carry the event's data (a survey comment, a message's subject): those about the
customer or their conversations are scrubbed. What a receiver already got is theirs to
erase; the operations guide says so."""

import json

from django.db.models import Q

from helpline.conversations.models import Conversation
from helpline.core.chunks import chunked, ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.redact import scrub
from helpline.webhooks.models import WebhookDelivery


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)


def erase(event: Event) -> dict:
    customer_ids = set(event["customer_ids"])
    conversation_ids = set(ids_of(Conversation.objects.filter(customer_id__in=customer_ids)))
    wanted = [("customer_id", pk) for pk in customer_ids]
    wanted += [("conversation_id", pk) for pk in conversation_ids]
    changed = []
    for chunk in chunked(range(len(wanted)), 100):
        condition = Q(pk__in=[])
        for index in chunk:
            key, pk = wanted[index]
            condition |= Q(body__contains=f'"{key}":{pk}')
        for delivery in WebhookDelivery.objects.filter(condition).only("pk", "body"):
            body = json.loads(delivery.body)
            data = body.get("data") or {}
            if data.get("customer_id") in customer_ids or (
                data.get("conversation_id") in conversation_ids
            ):
                body["data"] = scrub(data, event["personal"])
                delivery.body = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
                changed.append(delivery)
    WebhookDelivery.objects.bulk_update(changed, ["body"], batch_size=500)
    return {"webhook_deliveries": len(changed)}
