"""Search's part of erasing a customer (helpline.customers.privacy): the index keeps no word
of what the erasure replaced (their name, subjects, messages)."""

import logging

from django.db import connection, transaction

from helpline.core.events import Event, EventName, Phase, subscribe
from helpline.search import backends

log = logging.getLogger(__name__)


def connect() -> None:
    subscribe(EventName.CUSTOMER_ERASED, forget, phase=Phase.IN_TRANSACTION)


def forget(event: Event) -> None:
    # After the commit: other handlers, and the customers app itself (the name), change their
    # rows later in the same transaction, and the index must have dropped all of it.
    transaction.on_commit(_forget_now)


def _forget_now() -> None:
    try:
        backends.get(connection).forget(connection)
    except Exception:  # the words stay marked deleted until FTS5 merges their segment
        log.exception("could not merge the search index after an erasure")
