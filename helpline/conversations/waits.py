"""Waiting time per customer message, kept so reports can show its distribution.

A wait starts with every customer message of kind normal (robots never wait) and
is answered by our next response on its conversation: a reply, an outbound call
that reached them, or a call or visit of theirs in which we talked with them
(`Message.talked_with_customer`). Such a call or visit is answered on the spot, and
the agent who logs it may say how long the customer waited to be helped (in the
queue at the counter, on hold).

Internal notes answer nothing, and neither does marking a conversation pending or
solved: the customer did wait without a response, and the wait stays open until one.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from helpline.conversations.models import Direction, Message, MessageKind, Wait
from helpline.core.models import Location
from helpline.hours.calendar import BusinessCalendar, calendar_for


class BusinessClock:
    """Business time at locations, each location's calendar built once per clock.

    Give it the locations already at hand; any other is read when first needed.
    """

    def __init__(self, known: Iterable[Location] = ()):
        self._locations: dict[int, Location | None] = {location.pk: location for location in known}
        self._calendars: dict[int | None, BusinessCalendar] = {}

    def seconds(self, location_id: int | None, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        if location_id not in self._calendars:
            self._calendars[location_id] = calendar_for(self._location(location_id))
        return _whole_seconds(self._calendars[location_id].elapsed(start, end))

    def _location(self, location_id: int | None) -> Location | None:
        if location_id is None:
            return None
        if location_id not in self._locations:
            self._locations[location_id] = Location.objects.filter(pk=location_id).first()
        return self._locations[location_id]


def new_wait(
    message: Message, clock: BusinessClock, helped_after_seconds: int | None = None
) -> Wait:
    """The (unsaved) wait of a customer message; answered already when the agent said how
    long the customer waited before being helped, or when it was a call or visit in which
    we talked with them (how long they queued before, nobody said)."""
    conversation = message.conversation
    wait = Wait(
        message=message,
        conversation=conversation,
        location_id=conversation.location_id,
        channel=message.channel,
        started_at=message.created_at,
    )
    if helped_after_seconds is not None:
        helped_at = message.created_at
        wait.helped_after_seconds = helped_after_seconds
        wait.answered_at = helped_at
        wait.wall_seconds = helped_after_seconds
        wait.business_seconds = clock.seconds(
            conversation.location_id,
            helped_at - timedelta(seconds=helped_after_seconds),
            helped_at,
        )
    elif message.talked_with_customer:
        wait.answered_at = message.created_at
        wait.answered_by = message
        wait.wall_seconds = wait.business_seconds = 0
    return wait


def makes_customer_wait(message: Message) -> bool:
    return message.direction == Direction.INBOUND and message.kind == MessageKind.NORMAL


def answer(wait: Wait, response: Message, clock: BusinessClock) -> None:
    """Mark an open wait answered by `response` (in memory: the caller saves in bulk)."""
    wait.answered_at = response.created_at
    wait.answered_by = response
    wait.wall_seconds = _whole_seconds(response.created_at - wait.started_at)
    wait.business_seconds = clock.seconds(wait.location_id, wait.started_at, response.created_at)


ANSWER_FIELDS = ["answered_at", "answered_by", "wall_seconds", "business_seconds"]


def create_waits(received: Iterable[tuple[Message, int | None]]) -> list[Wait]:
    """Store the waits of newly stored customer messages, given with the seconds each waited
    to be helped (None: still waiting), in one insert."""
    clock = BusinessClock()
    rows = [
        new_wait(message, clock, helped_after)
        for message, helped_after in received
        if makes_customer_wait(message)
    ]
    return Wait.objects.bulk_create(rows)


def answer_open_waits(response: Message) -> int:
    """Our response answers every open wait of its conversation; the number answered.

    Only waits that started by then: a call a phone system reports afterwards does not
    answer a message that came in after it. A conversation has few open waits (the
    customer's messages since our last response), so each is computed here and all
    are saved in one UPDATE.
    """
    open_waits = list(
        Wait.objects.filter(
            conversation_id=response.conversation_id,
            answered_at__isnull=True,
            started_at__lte=response.created_at,
        )
        .select_related("location")
        .order_by("id")
    )
    clock = BusinessClock(wait.location for wait in open_waits if wait.location is not None)
    for wait in open_waits:
        answer(wait, response, clock)
    Wait.objects.bulk_update(open_waits, ANSWER_FIELDS)
    return len(open_waits)


def _whole_seconds(duration: timedelta) -> int:
    return max(0, int(duration.total_seconds()))
