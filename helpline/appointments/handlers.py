"""Appointments stay with their conversation's customer through merges and their undoing."""

from helpline.appointments import actions
from helpline.core.events import Event, EventName, Phase, subscribe


def connect() -> None:
    subscribe(EventName.CUSTOMERS_MERGED, follow_merge, phase=Phase.IN_TRANSACTION)
    subscribe(EventName.CUSTOMERS_UNMERGED, follow_unmerge, phase=Phase.IN_TRANSACTION)


def follow_merge(event: Event) -> None:
    actions.follow_merged_customer(event["source_id"], event["target_id"])


def follow_unmerge(event: Event) -> None:
    actions.follow_unmerged_customer(event["source_id"], event["target_id"])
