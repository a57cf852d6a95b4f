"""The demo shop's promises: opening hours, service levels, phone lines and calls to return.

Loaded by helpline.demo.load after the organisation exists (opening hours before the
history is played, so its waits are counted in business time) and after the history
(SLA clocks need the conversations), through the domain actions an admin
setting up a shop would use. Phone lines have no action yet: they are made in the admin,
and here directly.
"""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from helpline.channels.phone.models import PhoneLine
from helpline.conversations.models import Channel
from helpline.core.models import Location, Team
from helpline.hours import actions as hours_actions
from helpline.sla import actions as sla_actions
from helpline.sla import clocks

WEEKDAYS = range(5)
SATURDAY = 5
# Fictional numbers: Ofcom's drama range in London, and the capital's area codes elsewhere.
PHONE_LINES = {"GB": "+442079460000", "DE": "+493090182000", "ES": "+34910000000"}
POLICIES: list[tuple[str, dict[str, Any]]] = [
    # name, values
    (
        "Urgent",
        {
            "priority": "urgent",
            "first_response_minutes": 60,
            "next_response_minutes": 120,
            "resolution_minutes": 8 * 60,
        },
    ),
    ("Calls and visits", {"channel": Channel.PHONE, "first_response_minutes": 2 * 60}),
    (
        "Everything else",
        {
            "first_response_minutes": 8 * 60,
            "next_response_minutes": 8 * 60,
            "resolution_minutes": 5 * 9 * 60,
        },
    ),
]


def set_up_hours(locations: list[Location], now: datetime) -> None:
    """Weekdays 09:00–18:00 and Saturdays 10:00–16:00, local time; public holidays come with
    each location's country. Berlin closes for a training afternoon next week."""
    for location in locations:
        intervals = [(day, time(9), time(18)) for day in WEEKDAYS]
        intervals.append((SATURDAY, time(10), time(16)))
        hours_actions.set_opening_hours(None, location, intervals)
    berlin = next((loc for loc in locations if loc.country == "DE"), None)
    if berlin is not None:
        local = now.astimezone(ZoneInfo(berlin.timezone))
        wednesday = (local + timedelta(days=7 - local.weekday() + 2)).date()
        starts = datetime.combine(wednesday, time(13), ZoneInfo(berlin.timezone))
        hours_actions.add_closure(None, berlin, starts, starts + timedelta(hours=5), "Training")


def set_up_service(locations: list[Location], teams: dict[str, Team]) -> None:
    """Phone lines and SLA policies, then every open conversation's clocks."""
    for location in locations:
        number = PHONE_LINES.get(location.country)
        if number:
            PhoneLine.objects.get_or_create(
                number=number, defaults={"location": location, "team": teams["Customer care"]}
            )
    for position, (name, values) in enumerate(POLICIES):
        sla_actions.create_policy(None, name=name, position=position, **values)
    # Now rather than in the worker the policies ask for: the desk shows due times at once.
    clocks.refresh_all()
