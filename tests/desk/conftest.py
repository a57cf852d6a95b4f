"""Customers writing in at a location, for the desk's pages."""

from datetime import timedelta

from django.utils import timezone

from helpline.conversations.receive import receive
from tests.conftest import email_from


def write_in(location, sender: str, subject: str, text: str = "Hello", *, minutes_ago=0, **extra):
    """A customer's email arriving at `location` `minutes_ago`, through the one receive path."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    inbound = email_from(
        sender, subject=subject, text=text, location=location, received_at=at, **extra
    )
    return receive(inbound).message.conversation
