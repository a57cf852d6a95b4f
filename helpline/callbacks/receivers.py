"""How the channels feed the worklist.

A call nobody took puts a callback on it (phone's `call_recorded`). Hearing from the
customer closes their open callbacks: a message from them on any channel
(`message_received`), or a phone call with them that was answered, whoever called; an
answered outbound call is stored without a "received" event, so it is caught as it is saved.
A merge of customers moves the callbacks with everything else, and its undoing moves them back.
"""

from django.db import transaction
from django.db.models.signals import post_save

from helpline.callbacks import actions
from helpline.callbacks.models import Reason
from helpline.channels.phone.calls import ABANDONED, MISSED, VOICEMAIL
from helpline.channels.phone.signals import call_recorded
from helpline.conversations.events import message_received
from helpline.conversations.models import Channel, Direction, Message, MessageKind
from helpline.customers.events import customers_merged, customers_unmerged
from helpline.customers.models import IdentityKind

REASONS = {
    MISSED: Reason.MISSED_CALL,
    ABANDONED: Reason.ABANDONED_CALL,
    VOICEMAIL: Reason.VOICEMAIL,
}
DISPATCH_UID = "helpline.callbacks"


def connect() -> None:
    call_recorded.connect(call_back_untaken_call, dispatch_uid=DISPATCH_UID)
    message_received.connect(close_when_customer_writes, dispatch_uid=DISPATCH_UID)
    post_save.connect(close_when_we_reach_customer, sender=Message, dispatch_uid=DISPATCH_UID)
    customers_merged.connect(follow_merge, dispatch_uid=DISPATCH_UID)
    customers_unmerged.connect(follow_unmerge, dispatch_uid=DISPATCH_UID)


def reached_by(message: Message) -> str:
    return f"customer reached by {Channel(message.channel).label.lower()}"


def call_back_untaken_call(sender, message: Message, event, **kwargs) -> None:
    reason = REASONS.get(event.outcome)
    identity = message.identity
    if message.direction != Direction.INBOUND or reason is None:
        return
    if identity is None or identity.kind != IdentityKind.PHONE:
        return  # a withheld number: nobody to call
    conversation = message.conversation
    actions.create_callback(
        None,
        conversation.customer,
        identity.value,
        reason,
        due_at=message.created_at,  # the call's own time: due when the location next opens
        conversation=conversation,
        location=conversation.location,
    )


def close_when_customer_writes(sender, message: Message, **kwargs) -> None:
    if message.direction != Direction.INBOUND or message.kind != MessageKind.NORMAL:
        return
    if message.reached_customer:
        actions.close_for_customer(message.conversation.customer_id, reached_by(message))


def close_when_we_reach_customer(sender, instance: Message, created: bool, **kwargs) -> None:
    if not created or instance.direction != Direction.OUTBOUND:
        return
    if instance.channel == Channel.PHONE and instance.reached_customer:
        customer_id = instance.conversation.customer_id
        reason = reached_by(instance)
        transaction.on_commit(lambda: actions.close_for_customer(customer_id, reason))


def follow_merge(sender, actor, source, target, **kwargs) -> dict:
    return actions.follow_merged_customer(actor, source, target)


def follow_unmerge(sender, actor, source, target, merged, **kwargs) -> None:
    actions.follow_unmerged_customer(actor, source, target, merged)
