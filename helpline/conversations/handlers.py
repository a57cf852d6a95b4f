"""What the conversations app does about other apps' events: follow customers' merges."""

from django.db.models import OuterRef, Subquery

from helpline.conversations.models import Conversation, Direction, Message
from helpline.core.chunks import ids_of, move_customer
from helpline.core.events import Event, EventName, Phase, subscribe


def connect() -> None:
    subscribe(EventName.CUSTOMERS_MERGED, follow_merge, phase=Phase.IN_TRANSACTION)
    subscribe(EventName.CUSTOMERS_UNMERGED, follow_unmerge, phase=Phase.IN_TRANSACTION)


def follow_merge(event: Event) -> dict:
    """The merged customer's conversations go to the customer they were merged into."""
    source, target = event["source_id"], event["target_id"]
    conversation_ids = ids_of(Conversation.objects.filter(customer_id=source))
    Conversation.objects.filter(customer_id=source).update(customer_id=target)
    return {"conversation_ids": conversation_ids}


def follow_unmerge(event: Event) -> dict:
    """Back go the conversations the merge moved, and those that arrived since from one of the
    identities that went back: the person the identity belongs to started them, and they only
    landed on the target because the identity had moved."""
    source, target = event["source_id"], event["target_id"]
    moved = ids_of(
        Conversation.objects.filter(customer_id=target),
        among=event["merged"].get("conversation_ids", []),
    )
    followed = [pk for pk in _started_by(target, event["identity_ids"]) if pk not in set(moved)]
    move_customer(Conversation, moved + followed, target, source)
    return {"conversation_ids": moved, "followed_conversation_ids": followed}


def _started_by(customer_id: int, identity_ids: list[int]) -> list[int]:
    """The customer's conversations whose first message from the customer came from these."""
    if not identity_ids:
        return []
    first_from = (
        Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.INBOUND)
        .order_by("created_at", "id")
        .values("identity_id")[:1]
    )
    started = (
        Conversation.objects.filter(customer_id=customer_id)
        .annotate(started_by=Subquery(first_from))
        .values_list("pk", "started_by")
    )
    ids = set(identity_ids)
    return sorted(pk for pk, identity in started if identity in ids)
