"""Appointment examples: North Street open Monday to Friday 09:00–17:00 London time, Maria
who wrote to it by email, and instants in the coming weeks on its clock."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from helpline.appointments.models import Appointment
from helpline.conversations.receive import receive
from helpline.hours.actions import set_opening_hours
from tests.conftest import email_from

LONDON = ZoneInfo("Europe/London")


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def next_weekday(weekday: int, hour: int, minute: int = 0, *, after_days: int = 2) -> datetime:
    """The first `weekday` (0 is Monday) `after_days` or more from today, at hour:minute London."""
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=after_days)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def as_if_past(appointment: Appointment, hours_ago: float = 2) -> Appointment:
    """Time passes: the appointment started `hours_ago` (tests only; nothing else may do this)."""
    length = appointment.ends_at - appointment.starts_at
    starts_at = timezone.now() - timedelta(hours=hours_ago)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=starts_at, ends_at=starts_at + length
    )
    appointment.refresh_from_db()
    return appointment


@pytest.fixture
def office_hours(north):
    set_opening_hours(None, north, [(day, time(9), time(17)) for day in range(5)])
    return north


@pytest.fixture
def maria_conversation(north, mailbox, office_hours):
    """Maria López wrote to support@shop.test at North Street."""
    inbound = email_from(
        "maria@example.com",
        name="Maria López",
        subject="Kettle repair",
        text="Can I bring it in?",
        location=north,
        mailbox=mailbox,
        external_id="kettle@customer.example",
    )
    return receive(inbound).message.conversation


@pytest.fixture
def maria(maria_conversation):
    return maria_conversation.customer
