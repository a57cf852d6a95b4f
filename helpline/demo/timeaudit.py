"""Where the time goes, in the demo: eight weeks of each person's time through the time
audit's actions: the minutes they spent on the calls, visits and replies the history holds,
what they logged by hand, and a calendar with a weekly stand-up and a stock review."""

import random
from datetime import datetime, timedelta

from helpline.conversations.models import Direction, Message
from helpline.core.models import User
from helpline.timeaudit import actions, kinds
from helpline.timeaudit.models import TimeEntry

WEEKS = 8
# (kind, minutes from, to, times a week at most)
LOGGED = [
    ("admin", 15, 90, 4),
    ("stock", 20, 120, 3),
    ("training", 30, 90, 1),
    ("break", 15, 30, 5),
]
LIVE = {"phone": kinds.CALL, "walk_in": kinds.VISIT}


def play(rng: random.Random, now: datetime, agents: list[User]) -> int:
    since = now - timedelta(weeks=WEEKS)
    for agent in agents:
        _their_work(rng, agent, since)
        for week in range(WEEKS):
            start = since + timedelta(weeks=week)
            for kind, low, high, most in LOGGED:
                for _ in range(rng.randint(0, most)):
                    at = start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
                    if at < now - timedelta(hours=12):
                        minutes = rng.randint(low, high)
                        actions.log_time(agent, kind=kind, minutes=minutes, started_at=at)
        actions.import_calendar(agent, _calendar(agent, since), now=now)
    return TimeEntry.objects.count()


def _their_work(rng: random.Random, agent: User, since: datetime) -> None:
    """What Helpline would have recorded: their calls and visits, and writing their replies."""
    messages = Message.objects.filter(
        author=agent, created_at__gte=since, direction__in=(Direction.OUTBOUND, Direction.INBOUND)
    ).only("pk", "channel", "created_at", "conversation_id", "author_id")
    for message in messages:
        if message.channel in LIVE:
            actions.record_automatic(
                agent.pk,
                kind=LIVE[message.channel],
                source_key=f"message:{message.pk}",
                started_at=message.created_at,
                seconds=rng.randint(3, 25) * 60,
                conversation_id=message.conversation_id,
            )
        elif message.direction == Direction.OUTBOUND:
            actions.record_composing(agent, message, rng.randint(60, 900))


def _calendar(agent: User, since: datetime) -> bytes:
    first = since.replace(hour=9, minute=30, second=0, microsecond=0)
    stamp = first.strftime("%Y%m%dT%H%M%SZ")
    review = (first + timedelta(days=2, hours=4)).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Fixwell//Demo//EN",
        "BEGIN:VEVENT",
        f"UID:standup-{agent.username}@fixwell.example",
        "SUMMARY:Morning stand-up",
        f"DTSTART:{stamp}",
        "DURATION:PT15M",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:stock-review-{agent.username}@fixwell.example",
        "SUMMARY:Weekly stock review",
        f"DTSTART:{review}",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()
