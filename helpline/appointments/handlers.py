"""Appointments stay with their conversation's customer through merges and their undoing, and
their timeline learns when the customer's mail about them went (or could not)."""

from helpline.appointments import actions
from helpline.core.events import Event, EventName, Phase, subscribe


def connect() -> None:
    subscribe(EventName.CUSTOMERS_MERGED, follow_merge, phase=Phase.IN_TRANSACTION)
    subscribe(EventName.CUSTOMERS_UNMERGED, follow_unmerge, phase=Phase.IN_TRANSACTION)
    for name in (EventName.MAIL_SENT, EventName.MAIL_FAILED):
        subscribe(name, report_mail, phase=Phase.AFTER_COMMIT, when=actions.is_appointment_mail)


def follow_merge(event: Event) -> None:
    actions.follow_merged_customer(event["source_id"], event["target_id"])


def follow_unmerge(event: Event) -> None:
    actions.follow_unmerged_customer(event["source_id"], event["target_id"])


def report_mail(event: Event) -> None:
    actions.report_mail(
        event.delivery_id,
        event["message_id"],
        event["recipient"],
        failed=event.name == EventName.MAIL_FAILED,
        error=event.get("error", ""),
    )
