"""Everything that writes time entries and the rules: views, the API and the event handlers
call these, never the models."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from helpline.core.activity import record
from helpline.core.errors import ActionError
from helpline.core.models import User
from helpline.core.windows import check_within
from helpline.timeaudit import calendar, kinds
from helpline.timeaudit.models import Source, TimeEntry, TimeKind
from helpline.timeaudit.verbs import Verb

# A day's work at most in one entry logged by hand.
MAX_MANUAL_MINUTES = 12 * 60
# Time logged by hand lies within a year before now and a day after (a meeting about to end).
LOG_BEHIND = timedelta(days=366)
LOG_AHEAD = timedelta(days=1)
# Writing one reply: longer than this, the composer was left open while doing something else;
# the time counted stops here.
MAX_COMPOSING_SECONDS = 60 * 60


def record_automatic(
    agent_id: int,
    *,
    kind: str,
    source_key: str,
    started_at: datetime,
    seconds: int,
    conversation_id: int | None = None,
) -> TimeEntry | None:
    """One entry for what Helpline saw happen (a call, a visit, an appointment, a reply);
    the one already there when the same cause comes again (an event delivered twice)."""
    if seconds <= 0 or not agent_id:
        return None
    existing = TimeEntry.objects.filter(agent_id=agent_id, source_key=source_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return TimeEntry.objects.create(
                agent_id=agent_id,
                kind=kind,
                source=Source.AUTOMATIC,
                source_key=source_key,
                started_at=started_at,
                seconds=seconds,
                conversation_id=conversation_id,
                created_at=timezone.now(),
            )
    except IntegrityError:  # two deliveries at once: the other one stored it
        return TimeEntry.objects.get(agent_id=agent_id, source_key=source_key)


def composing_seconds(raw: str | int | None) -> int | None:
    """How long a reply took to write, as the desk's composer measured it: whole seconds,
    nothing for a value that is not one or not above zero, at most MAX_COMPOSING_SECONDS."""
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            return None
        raw = int(raw)
    if not isinstance(raw, int) or raw <= 0:
        return None
    return min(raw, MAX_COMPOSING_SECONDS)


def record_composing(agent: User, message, raw_seconds: str | int | None) -> TimeEntry | None:
    """The time `agent` spent writing the reply `message` (one entry per reply)."""
    seconds = composing_seconds(raw_seconds)
    if seconds is None or message.author_id != agent.pk:
        return None
    return record_automatic(
        agent.pk,
        kind=kinds.REPLY,
        source_key=f"reply:{message.pk}",
        started_at=message.created_at - timedelta(seconds=seconds),
        seconds=seconds,
        conversation_id=message.conversation_id,
    )


@transaction.atomic
def log_time(
    actor: User,
    *,
    kind: str,
    minutes: int,
    started_at: datetime | None = None,
    note: str = "",
) -> TimeEntry:
    """Time an agent logs by hand (a meeting, admin, training, stock, a break…)."""
    manual = kinds.manual_kinds()
    if kind not in manual:
        raise ActionError(f"choose one of: {', '.join(k.label for k in manual.values())}", "kind")
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ActionError("a whole number of minutes", "minutes")
    if not 1 <= minutes <= MAX_MANUAL_MINUTES:
        raise ActionError(f"from 1 to {MAX_MANUAL_MINUTES} minutes", "minutes")
    now = timezone.now()
    if started_at is None:
        started_at = now - timedelta(minutes=minutes)
    check_within(started_at, "started_at", behind=LOG_BEHIND, ahead=LOG_AHEAD, now=now)
    if len(note) > 2000:
        raise ActionError("at most 2000 characters", "note")
    entry = TimeEntry.objects.create(
        agent=actor,
        kind=kind,
        source=Source.MANUAL,
        started_at=started_at,
        seconds=minutes * 60,
        note=note.strip(),
        created_at=now,
    )
    record(actor, Verb.LOGGED, entry, kind=kind, minutes=minutes)
    return entry


@transaction.atomic
def remove_entry(actor: User, entry: TimeEntry) -> None:
    """An agent takes back time they logged or imported; what Helpline recorded stays."""
    if entry.agent_id != actor.pk:
        raise ActionError("only your own time", "entry")
    if entry.source == Source.AUTOMATIC:
        raise ActionError("time Helpline recorded from your work stays", "entry")
    record(actor, Verb.REMOVED, entry, kind=entry.kind, seconds=entry.seconds)
    entry.delete()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # why events were left out, one line each
    problems: list[str] = field(default_factory=list)  # events refused, naming event and line


@transaction.atomic
def import_calendar(actor: User, data: bytes, *, now: datetime | None = None) -> ImportResult:
    """An agent's calendar (.ics): each meeting they had becomes a `meeting` entry, titled
    by its summary. Keyed by the event's UID and start, so importing the file again adds
    nothing (a meeting whose end or title changed is brought up to date).

    A file that is no iCalendar at all is refused (an ActionError naming the line); an event
    that cannot be read is left out and named in `problems`; the rest are imported.
    """
    now = now or timezone.now()
    read = calendar.read(data, zone=actor.zone(), now=now)
    result = ImportResult(skipped=read.skipped, problems=read.problems)
    keys = [meeting.key for meeting in read.meetings]
    existing = {
        entry.source_key: entry
        for entry in TimeEntry.objects.filter(agent=actor, source_key__in=keys)
    }
    for meeting in read.meetings:
        entry = existing.get(meeting.key)
        if entry is None:
            TimeEntry.objects.create(
                agent=actor,
                kind=kinds.MEETING,
                title=meeting.title,
                source=Source.CALENDAR,
                source_key=meeting.key,
                started_at=meeting.start,
                seconds=meeting.seconds,
                created_at=now,
            )
            result.created += 1
        elif (entry.seconds, entry.title) != (meeting.seconds, meeting.title):
            entry.seconds, entry.title = meeting.seconds, meeting.title
            entry.save(update_fields=["seconds", "title"])
            result.updated += 1
        else:
            result.unchanged += 1
    record(
        actor,
        Verb.IMPORTED,
        actor,
        created=result.created,
        updated=result.updated,
        problems=len(result.problems),
    )
    return result


@transaction.atomic
def set_rules(actor: User, customer_impacting: set[str]) -> None:
    """Which kinds touch a customer: those in `customer_impacting`, every other one not."""
    current = kinds.all_kinds()
    unknown = set(customer_impacting) - set(current)
    if unknown:
        raise ActionError(f"no such kind: {', '.join(sorted(unknown))}", "customer_impacting")
    for key, kind in current.items():
        wanted = key in customer_impacting
        TimeKind.objects.update_or_create(
            key=key,
            defaults={"customer_impacting": wanted},
            create_defaults={"label": kind.label, "customer_impacting": wanted, "position": 0},
        )
    record(actor, Verb.RULES_CHANGED, actor, customer_impacting=sorted(customer_impacting))


@transaction.atomic
def add_kind(actor: User, label: str, *, customer_impacting: bool = False) -> TimeKind:
    """A kind of time of the organisation's own, for agents to log by hand."""
    label = " ".join(label.split())
    if not label:
        raise ActionError("name the kind of time", "label")
    if len(label) > 80:
        raise ActionError("at most 80 characters", "label")
    key = slugify(label)[:40]
    if not key:
        raise ActionError("use letters or digits in the name", "label")
    existing = kinds.all_kinds()
    if key in existing or label.casefold() in {k.label.casefold() for k in existing.values()}:
        raise ActionError("there is a kind of that name already", "label")
    row = TimeKind.objects.create(
        key=key,
        label=label,
        customer_impacting=customer_impacting,
        position=TimeKind.objects.count() + 1,
    )
    record(actor, Verb.KIND_ADDED, row, label=label, customer_impacting=customer_impacting)
    return row
