from datetime import UTC, datetime

import pytest
from django.db import transaction

from helpline.core.events import EventName, Phase, deliver_due, publish, subscribe, unsubscribe


class Heard(list):
    def __call__(self, event):
        self.append(event)


@pytest.fixture
def heard():
    """What insights published: {event name: [payloads]}, heard in the transaction."""
    heard_by_name: dict[str, Heard] = {}
    handlers = []
    for name in (EventName.TEXT_SCORED, EventName.TEXT_THEMED):
        collector = Heard()
        collector.__module__ = __name__
        collector.__qualname__ = f"heard_{name.value}"
        heard_by_name[name.value] = collector
        subscribe(name, collector, phase=Phase.IN_TRANSACTION)
        handlers.append((name, collector))
    yield heard_by_name
    for name, collector in handlers:
        unsubscribe(name, collector)


def answer(
    answer_id=1, *, kind="csat", score=1, comment="", conversation=None, location=None, **extra
):
    """The feedback app's survey.answered, as it publishes it (published here by the test)."""
    payload = {
        "survey_id": answer_id,
        "answer_id": answer_id,
        "kind": kind,
        "score": score,
        "comment": comment,
        "purpose": "contact",
        "recovery_case_id": None,
        "customer_id": conversation.customer_id if conversation else None,
        "conversation_id": conversation.pk if conversation else None,
        "location_id": location.pk if location else None,
        "agent_id": None,
        "team_id": None,
        "changed": False,
        "answered_at": datetime.now(UTC).isoformat(),
    }
    payload.update(extra)
    with transaction.atomic():
        publish(EventName.SURVEY_ANSWERED, **payload)
    deliver_due()
    return payload
