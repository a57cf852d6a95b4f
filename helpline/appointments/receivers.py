"""Appointments stay with their conversation's customer through merges and their undoing."""

from helpline.appointments import actions
from helpline.customers.events import customers_merged, customers_unmerged

DISPATCH_UID = "helpline.appointments"


def connect() -> None:
    customers_merged.connect(follow_merge, dispatch_uid=DISPATCH_UID)
    customers_unmerged.connect(follow_unmerge, dispatch_uid=DISPATCH_UID)


def follow_merge(sender, source, target, **kwargs) -> dict:
    return actions.follow_merged_customer(source, target)


def follow_unmerge(sender, source, target, **kwargs) -> None:
    actions.follow_unmerged_customer(source, target)
