"""Domain events, sent only after the transaction that caused them commits."""

from django.db import transaction
from django.dispatch import Signal

# sender=Message class; kwargs: message, new_conversation
message_received = Signal()


def emit_after_commit(signal: Signal, **kwargs) -> None:
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
