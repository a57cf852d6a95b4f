"""What surveys do about the desk's events, after commit (idempotent: each looks for what it
did before): a solved conversation schedules its survey, a reopened one withdraws it, and
recovery cases keep their customer out of contact surveys until their follow-up."""

from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.feedback import actions

DONE = ("solved", "closed")
OPEN = ("new", "open", "pending")


def connect() -> None:
    subscribe(
        EventName.CONVERSATION_STATUS_CHANGED,
        schedule_survey,
        phase=Phase.AFTER_COMMIT,
        when=is_solved,
    )
    subscribe(
        EventName.CONVERSATION_STATUS_CHANGED,
        withdraw_survey,
        phase=Phase.AFTER_COMMIT,
        when=is_reopened,
    )
    subscribe(EventName.RECOVERY_OPENED, case_opened, phase=Phase.AFTER_COMMIT)
    subscribe(EventName.RECOVERY_CLOSED, case_closed, phase=Phase.AFTER_COMMIT)


def is_solved(payload: dict) -> bool:
    """ "conversation.solved": the status became solved."""
    return payload.get("after") == "solved" and payload.get("before") != "closed"


def is_reopened(payload: dict) -> bool:
    return payload.get("before") in DONE and payload.get("after") in OPEN


def schedule_survey(event: Event) -> None:
    actions.schedule_after_solve(event["conversation_id"])


def withdraw_survey(event: Event) -> None:
    actions.withdraw_for(event["conversation_id"])


def case_opened(event: Event) -> None:
    if event.get("customer_id"):
        actions.recovery_opened(event["customer_id"], event["case_id"])


def case_closed(event: Event) -> None:
    if event.get("customer_id"):
        actions.recovery_closed(
            event["case_id"],
            event["customer_id"],
            event.get("conversation_id"),
            event.get("location_id"),
            event.get("follow_up_kind") or "csat",
        )
