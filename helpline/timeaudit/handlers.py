"""Time Helpline sees spent: calls and visits (their length, from the message that recorded
them) and attended appointments (their slot). After commit, durably; each cause makes one
entry however often its event comes (`actions.record_automatic` keys it)."""

from datetime import datetime

from helpline.conversations.models import LIVE_CHANNELS, Channel, Message
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.timeaudit import actions, kinds

KIND_OF_CHANNEL = {Channel.PHONE: kinds.CALL, Channel.WALK_IN: kinds.VISIT}


def connect() -> None:
    phase = Phase.AFTER_COMMIT
    for name in (EventName.MESSAGE_RECEIVED, EventName.MESSAGE_SENT):
        subscribe(name, talked_with_customer, phase=phase, when=_live_contact)
    subscribe(EventName.APPOINTMENT_ATTENDED, appointment_attended, phase=phase)


def _live_contact(payload: dict) -> bool:
    return payload.get("channel") in LIVE_CHANNELS and payload.get("reached_customer", True)


def talked_with_customer(event: Event) -> None:
    """A call or a visit one of us took: its length, when the phone system or the agent
    logging it said how long it was (a message without a length makes no entry)."""
    message = Message.objects.filter(pk=event["message_id"]).first()
    if message is None or not message.talked_with_customer:
        return
    seconds = message.meta.get("duration_seconds") or 0
    agent_id = message.meta.get("agent_id") or message.author_id
    if not isinstance(seconds, int) or not isinstance(agent_id, int):
        return
    actions.record_automatic(
        agent_id,
        kind=KIND_OF_CHANNEL[Channel(message.channel)],
        source_key=f"message:{message.pk}",
        started_at=message.created_at,
        seconds=seconds,
        conversation_id=message.conversation_id,
    )


def appointment_attended(event: Event) -> None:
    """The customer came, or took the call: the slot was spent with them."""
    if not event.get("agent_id"):
        return
    starts_at = datetime.fromisoformat(event["starts_at"])
    ends_at = datetime.fromisoformat(event["ends_at"])
    actions.record_automatic(
        event["agent_id"],
        kind=kinds.APPOINTMENT,
        source_key=f"appointment:{event['appointment_id']}",
        started_at=starts_at,
        seconds=int((ends_at - starts_at).total_seconds()),
        conversation_id=event.get("conversation_id"),
    )
