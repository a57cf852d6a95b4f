"""After commit, durably: every event that changes what a conversation's facts say has
that one conversation recomputed whole (helpline.reports.facts), so a delivery run twice,
or two run out of order, leave the same row."""

from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.reports import actions

# Each carries a conversation_id.
CHANGES = (
    EventName.MESSAGE_RECEIVED,
    EventName.MESSAGE_SENT,
    EventName.CONVERSATION_OPENED,
    EventName.CONVERSATION_ASSIGNED,
    EventName.CONVERSATION_STATUS_CHANGED,
    EventName.SLA_BREACHED,
)


def connect() -> None:
    for name in CHANGES:
        subscribe(name, recompute, phase=Phase.AFTER_COMMIT, when=_about_a_conversation)


def _about_a_conversation(payload: dict) -> bool:
    return bool(payload.get("conversation_id"))


def recompute(event: Event) -> None:
    actions.refresh_conversations([event["conversation_id"]])
