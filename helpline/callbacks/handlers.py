"""How the worklist follows the desk's events, each in the transaction of its cause.

A call nobody took puts a callback on it (`call.untaken`): a call stored without its
callback would be forgotten. Reaching the customer closes their open callbacks: a message
from them on any channel (`message.received`), or a call with them that was answered,
whoever called (`message.sent` for ours). A merge of customers moves the callbacks with
everything else, and its undoing moves them back (after the conversations app has moved
the conversations back: it is installed before this app, so its handler runs first).
"""

from datetime import datetime

from helpline.callbacks import actions
from helpline.callbacks.models import Reason
from helpline.conversations.models import (
    CallOutcome,
    Channel,
    Conversation,
    Direction,
    MessageKind,
)
from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.core.models import User
from helpline.customers.models import Customer

REASONS = {
    CallOutcome.MISSED: Reason.MISSED_CALL,
    CallOutcome.ABANDONED: Reason.ABANDONED_CALL,
    CallOutcome.VOICEMAIL: Reason.VOICEMAIL,
}


def connect() -> None:
    phase = Phase.IN_TRANSACTION
    subscribe(EventName.CALL_UNTAKEN, call_back_untaken_call, phase=phase)
    subscribe(EventName.MESSAGE_RECEIVED, close_when_customer_writes, phase=phase, many=True)
    subscribe(EventName.MESSAGE_SENT, close_when_we_reach_customer, phase=phase)
    subscribe(EventName.CUSTOMERS_MERGED, follow_merge, phase=phase)
    subscribe(EventName.CUSTOMERS_UNMERGED, follow_unmerge, phase=phase)


def reached_by(channel: str) -> str:
    return f"customer reached by {Channel(channel).label.lower()}"


def call_back_untaken_call(event: Event) -> None:
    reason = REASONS.get(event["outcome"])
    if event["direction"] != Direction.INBOUND or reason is None:
        return
    if not event["number"]:
        return  # a withheld number: nobody to call
    conversation = Conversation.objects.select_related("customer", "location").get(
        pk=event["conversation_id"]
    )
    actions.create_callback(
        None,
        conversation.customer,
        event["number"],
        reason,
        due_at=datetime.fromisoformat(event["at"]),  # due when the location next opens
        conversation=conversation,
        location=conversation.location,
    )


def close_when_customer_writes(events: list[Event]) -> None:
    reached = {
        event["customer_id"]: event["channel"]
        for event in events
        if event["kind"] == MessageKind.NORMAL and event["reached_customer"]
    }
    for customer_id in actions.customers_with_open_callbacks(reached):
        actions.close_for_customer(customer_id, reached_by(reached[customer_id]))


def close_when_we_reach_customer(event: Event) -> None:
    if event["channel"] == Channel.PHONE and event["reached_customer"]:
        actions.close_for_customer(event["customer_id"], reached_by(event["channel"]))


def follow_merge(event: Event) -> dict:
    source, target = _customers(event)
    return actions.follow_merged_customer(_actor(event), source, target)


def follow_unmerge(event: Event) -> None:
    source, target = _customers(event)
    actions.follow_unmerged_customer(_actor(event), source, target, event["merged"])


def _customers(event: Event) -> tuple[Customer, Customer]:
    found = Customer.objects.in_bulk([event["source_id"], event["target_id"]])
    return found[event["source_id"]], found[event["target_id"]]


def _actor(event: Event) -> User | None:
    return User.objects.filter(pk=event["actor_id"]).first() if event["actor_id"] else None
