"""The escalation scan: warn and escalate when a clock reaches its warning point or falls due.

It reads only the conversations whose `sla_next_check_at` has come (a partial index), a
batch at a time, and handles them CHUNK at a time, each chunk in its own transaction (one
transaction per conversation cost 15 ms each: a backlog of 500 took 7.6 s); a chunk that
fails is retried one conversation at a time, so one broken conversation stops no one else's.

Every warning or breach is an SlaEvent, unique per due point, inserted with ON CONFLICT DO
NOTHING … RETURNING: the scan whose insert wins notifies the assignee and the team lead and
applies the policy's escalation; a scan running at the same moment elsewhere skips the rows
the first has locked, or finds its insert already done and gets nothing back, so each
warning and breach is told exactly once. Each breach recorded is published
(`sla.breached`) in the same transaction.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from helpline.conversations import actions
from helpline.conversations.models import Conversation, Priority
from helpline.core.events import EventName, publish_many
from helpline.core.models import Team, User
from helpline.core.sql import insert_new
from helpline.sla import clocks, notify
from helpline.sla.models import EventKind, SlaEvent, SlaPolicy

log = logging.getLogger(__name__)

BATCH = 500
CHUNK = 100
PRIORITY_RANK = {value: rank for rank, value in enumerate(Priority.values)}


@dataclass
class ScanResult:
    checked: int = 0
    events: list[SlaEvent] = field(default_factory=list)


def due_ids(now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        Conversation.objects.filter(sla_next_check_at__lte=now)
        .order_by("sla_next_check_at")
        .values_list("pk", flat=True)[:limit]
    )


def scan(now: datetime | None = None, limit: int = BATCH) -> ScanResult:
    """Handle every conversation whose next check has come, up to `limit` of them."""
    now = now or timezone.now()
    result = ScanResult()
    ids = due_ids(now, limit)
    result.checked = len(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        try:
            result.events += check(chunk, now)
        except Exception:
            log.exception("SLA check of conversations %s failed; one at a time", chunk)
            for conversation_id in chunk:
                try:
                    result.events += check([conversation_id], now)
                except Exception:
                    log.exception("SLA check of conversation %s failed", conversation_id)
    return result


@transaction.atomic
def check(conversation_ids: list[int], now: datetime) -> list[SlaEvent]:
    """Record and act on the points of these conversations that have come; the events won."""
    conversations = list(
        Conversation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("location", "sla_policy", "team__lead", "assignee")
        .filter(pk__in=conversation_ids, sla_next_check_at__lte=now)
        .order_by("pk")
    )
    if not conversations:  # another scan holds them, or has handled them already
        return []
    calendars = clocks.calendars_of(conversations)
    come = [
        (conversation, point)
        for conversation in conversations
        for point in clocks.check_points(
            conversation, conversation.sla_policy, calendars[conversation.location_id]
        )
        if point.at <= now
    ]
    won = _record(come)
    _publish_breaches(won)
    by_conversation: dict[int, list[SlaEvent]] = {}
    for event in won:
        by_conversation.setdefault(event.conversation_id, []).append(event)
    told = []
    people: dict[int, User] = {}  # one instance per user, so each reads its locations once
    for conversation in conversations:
        events = by_conversation.get(conversation.pk)
        if events:
            told += _escalate(conversation, conversation.sla_policy, events, people)
    notify.tell_many(told)
    clocks.refresh([c.pk for c in conversations], now)
    return won


def _record(come: list[tuple[Conversation, clocks.CheckPoint]]) -> list[SlaEvent]:
    """Insert the events of these points; those this call inserted (not one already there)."""
    if not come:
        return []
    created_at = timezone.now()
    rows = insert_new(
        SlaEvent,
        ["conversation", "kind", "clock", "due_at", "created_at"],
        [(c.pk, p.kind, p.clock, p.due_at, created_at) for c, p in come],
        unique=["conversation", "kind", "clock", "due_at"],
        returning=["id", "conversation", "kind", "clock"],
    )
    inserted = {(row[1], row[2], row[3]): row[0] for row in rows}
    # Of one conversation's clock, one due time is checked at a time: the key is enough.
    return [
        SlaEvent(
            pk=inserted[key],
            conversation=conversation,
            kind=point.kind,
            clock=point.clock,
            due_at=point.due_at,
            created_at=created_at,
        )
        for conversation, point in come
        if (key := (conversation.pk, point.kind, point.clock)) in inserted
    ]


def _publish_breaches(won: list[SlaEvent]) -> None:
    """Tell the desk's other apps of each breach this scan recorded (recovery opens a case)."""
    publish_many(
        EventName.SLA_BREACHED,
        [
            {
                "sla_event_id": event.pk,
                "conversation_id": event.conversation_id,
                "customer_id": event.conversation.customer_id,
                "location_id": event.conversation.location_id,
                "clock": event.clock,
                "due_at": event.due_at.isoformat(),
            }
            for event in won
            if event.kind == EventKind.BREACH
        ],
    )


def _escalate(
    conversation: Conversation, policy: SlaPolicy, events: list[SlaEvent], people: dict[int, User]
) -> list:
    """Apply the policy's escalation; what to tell whom, for notify.tell_many.

    Only people who may open the conversation are told: a lead whose team takes work from
    several locations hears only of those they serve.
    """
    # A scan that comes late finds the warning and the breach both past: say only the worst.
    breaches = {e.clock for e in events if e.kind == EventKind.BREACH}
    events = [e for e in events if e.kind == EventKind.BREACH or e.clock not in breaches]
    recipients = _recipients(conversation.assignee, conversation.team)
    new_team = None
    if policy.raise_priority_to and (
        PRIORITY_RANK[policy.raise_priority_to] > PRIORITY_RANK[conversation.priority]
    ):
        conversation = actions.set_priority(None, conversation, policy.raise_priority_to)
    if policy.reassign_to_team_id and policy.reassign_to_team_id != conversation.team_id:
        new_team = Team.objects.select_related("lead").get(pk=policy.reassign_to_team_id)
        conversation = actions.assign(None, conversation, assignee=None, team=new_team)
        recipients += _recipients(None, new_team)
    unique = {person.pk: people.setdefault(person.pk, person) for person in recipients}
    told = [person for person in unique.values() if person.serves(conversation.location_id)]
    return [notify.Tell(told, conversation, event, new_team) for event in events]


def _recipients(assignee: User | None, team: Team | None) -> list[User]:
    people = [assignee, team.lead if team is not None else None]
    return [person for person in people if person is not None and person.is_active]
