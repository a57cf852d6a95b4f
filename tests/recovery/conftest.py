"""Recovery examples: the events other apps publish, published here as they would be."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from helpline.core.events import EventName, deliver_due, publish
from helpline.core.models import Team
from helpline.recovery.models import RootCause
from tests.desk.conftest import write_in

_ids = itertools.count(1000)


def deliver() -> None:
    """What the worker does after commit: every stored delivery, until none is left."""
    while deliver_due():
        pass


def emit(name: EventName, **payload) -> None:
    with transaction.atomic():
        publish(name, **payload)
    deliver()


def answered(conversation, kind="csat", score=1, purpose="contact", case_id=None, **more):
    """A survey answer as the feedback app publishes it."""
    payload = {
        "survey_id": next(_ids),
        "answer_id": next(_ids),
        "kind": kind,
        "score": score,
        "comment": "",
        "purpose": purpose,
        "recovery_case_id": case_id,
        "customer_id": conversation.customer_id if conversation else None,
        "conversation_id": conversation.pk if conversation else None,
        "location_id": conversation.location_id if conversation else None,
        "agent_id": None,
        "team_id": None,
        "changed": False,
        "answered_at": timezone.now().isoformat(),
    }
    payload.update(more)
    emit(EventName.SURVEY_ANSWERED, **payload)
    return payload


def scored(conversation, compound: float | None, source="message", source_id=None):
    emit(
        EventName.TEXT_SCORED,
        source=source,
        source_id=source_id or next(_ids),
        conversation_id=conversation.pk,
        customer_id=conversation.customer_id,
        location_id=conversation.location_id,
        language="en",
        compound=compound,
        model="vader 3.3.2",
    )


def themed(conversation, theme_id: int, name="late delivery"):
    emit(
        EventName.TEXT_THEMED,
        source="message",
        source_id=next(_ids),
        conversation_id=conversation.pk,
        customer_id=conversation.customer_id,
        theme_id=theme_id,
        theme_name=name,
    )


@pytest.fixture
def maria_conversation(north, mailbox):
    return write_in(north, "maria@example.com", "Order 123", "Where is it?", name="Maria López")


@pytest.fixture
def team_north(north, lead):
    return Team.objects.create(name="Front desk", location=north, lead=lead)


@pytest.fixture
def cause(db):
    return RootCause.objects.create(name="Courier lost the parcel")
