"""The callback worklist's part of a customer's data request (helpline.customers.privacy):
their callbacks and each try in the export; on erasure the open ones are closed (nobody
is to call an erased customer) and numbers and notes go, the tries and outcomes stay."""

from helpline.callbacks.actions import close_for_customer
from helpline.callbacks.models import Callback, CallbackAttempt
from helpline.core.chunks import ids_of
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.models import User
from helpline.core.redact import redact_activity, scrub_text
from helpline.customers.privacy import Contribution, contribute, history_of

ERASED_REASON = "the customer's data was erased"


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, erase, phase=Phase.IN_TRANSACTION)
    contribute("callbacks", export)


def export(customer_ids: list[int]) -> Contribution:
    callbacks = Callback.objects.filter(customer_id__in=customer_ids).order_by("created_at", "pk")
    tries: dict[int, list[dict]] = {}
    attempts = CallbackAttempt.objects.filter(callback__in=callbacks).select_related("agent")
    for attempt in attempts.order_by("at", "pk"):
        tries.setdefault(attempt.callback_id, []).append(
            {
                "outcome": attempt.outcome,
                "note": attempt.note,
                "agent": attempt.agent.get_username() if attempt.agent else None,
                "at": attempt.at,
            }
        )
    ids = [callback.pk for callback in callbacks]
    events: dict[str, list[dict]] = {}
    for row in history_of(Callback, ids):
        events.setdefault(row["subject"], []).append(row)
    data = [
        {
            **row,
            "tries": tries.get(row["id"], []),
            "events": events.get(f"{Callback._meta.model_name}#{row['id']}", []),
        }
        for row in callbacks.values(
            "id",
            "customer_id",
            "conversation_id",
            "phone_number",
            "reason",
            "status",
            "due_at",
            "attempts",
            "created_at",
            "closed_at",
            "closed_reason",
        )
    ]
    return Contribution(data)


def erase(event: Event) -> dict:
    customer_ids, personal = event["customer_ids"], event["personal"]
    actor = User.objects.filter(pk=event["actor_id"]).first() if event["actor_id"] else None
    closed = sum(close_for_customer(pk, ERASED_REASON, actor) for pk in customer_ids)
    callbacks = Callback.objects.filter(customer_id__in=customer_ids)
    ids = ids_of(callbacks)
    rows = list(callbacks.only("pk", "closed_reason"))
    for row in rows:
        row.closed_reason = scrub_text(row.closed_reason, personal)
    Callback.objects.bulk_update(rows, ["closed_reason"], batch_size=500)
    callbacks.update(phone_number="")
    CallbackAttempt.objects.filter(callback_id__in=ids).update(note="")
    redact_activity(Callback, ids, personal)
    return {"callbacks": len(ids), "callbacks_closed": closed}
