"""Service-level clocks follow every change that moves them, in the change's transaction."""

from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.sla import clocks

# What starts, stops, pauses or re-targets a clock.
MOVES_CLOCKS = (
    EventName.MESSAGE_RECEIVED,
    EventName.MESSAGE_SENT,
    EventName.CONVERSATION_OPENED,
    EventName.CONVERSATION_STATUS_CHANGED,
    EventName.CONVERSATION_PRIORITY_CHANGED,
)


def connect() -> None:
    for name in MOVES_CLOCKS:
        subscribe(name, refresh_clocks, phase=Phase.IN_TRANSACTION, many=True)


def refresh_clocks(events: list[Event]) -> None:
    clocks.refresh({event["conversation_id"] for event in events})
