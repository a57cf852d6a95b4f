"""Service level examples: policies, a team with a lead, and conversations received at set times."""

from datetime import UTC, datetime, time

import pytest

from helpline.conversations.models import Conversation
from helpline.conversations.receive import receive
from helpline.core.models import Team
from helpline.hours import actions as hours_actions
from helpline.sla.models import SlaPolicy
from tests.conftest import email_from

# A Monday in January: London is on GMT, so its wall clock reads UTC.
MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of the week of MONDAY: at(0, 16) is Monday 16:00 UTC (and London)."""
    return MONDAY.replace(day=MONDAY.day + day, hour=hour, minute=minute)


def received(location, when: datetime, sender="maria@example.com", **extra) -> Conversation:
    """A customer's email that arrived at `when`, through the one receive path."""
    inbound = email_from(sender, subject="Order 123", location=location, received_at=when, **extra)
    conversation = receive(inbound).message.conversation
    return Conversation.objects.get(pk=conversation.pk)


def fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def policy(**values) -> SlaPolicy:
    values.setdefault("name", "Everything")
    return SlaPolicy.objects.create(**values)


@pytest.fixture
def office_hours(north):
    """North Street opens Monday to Friday, 09:00–17:00 London time."""
    hours_actions.set_opening_hours(
        None, north, [(weekday, time(9), time(17)) for weekday in range(5)]
    )
    return north


@pytest.fixture
def team(lead):
    return Team.objects.create(name="Front desk", lead=lead)
