"""Reading an agent's calendar (.ics, RFC 5545) into meetings, through `icalendar`.

What counts (decided here, said on the import form):

* an event with a start and end time that has already started, within the last
  IMPORT_WEEKS weeks: meetings still to come are not time spent yet, older ones are out of
  every figure's reach;
* a recurring event (RRULE, with its EXDATEs and moved occurrences) as each of its
  occurrences in that window, each keyed by the event's UID and the occurrence's start;
* an event without a time zone on the agent's own clock.

Left out, and said so: all-day events (a day off, a reminder or a holiday is not hours of
meeting), events marked free (TRANSP:TRANSPARENT), cancelled ones. Refused, naming the
event and its line: no UID, no start, no end, an end before the start, over MAX_HOURS, a
date that cannot be read.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule  # type: ignore[import-untyped]  # icalendar depends on it

from helpline.core.errors import ActionError

IMPORT_WEEKS = 13
MAX_HOURS = 12
MAX_OCCURRENCES = 1000  # of one recurring event within the window
FIELD = "file"
# A content line once unfolded: NAME, parameters, then ":" and the value.
_LINE = re.compile(
    r'[A-Za-z0-9-]+(;[A-Za-z0-9-]+=("[^"]*"|[^";:,]*)(,("[^"]*"|[^";:,]*))*)*:.*', re.DOTALL
)


@dataclass(frozen=True)
class Meeting:
    key: str
    title: str
    start: datetime  # UTC
    seconds: int


@dataclass
class Read:
    meetings: list[Meeting] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class EventProblem(Exception):
    pass


def read(data: bytes, *, zone: ZoneInfo, now: datetime) -> Read:
    """The meetings of one .ics file; an ActionError naming the line when it is no iCalendar."""
    text = _text(data)
    event_lines = _check_lines(text)
    try:
        parsed = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError, KeyError, … on a broken file
        raise ActionError(f"not an iCalendar file: {exc}", FIELD) from None
    events = list(parsed.walk("VEVENT"))
    since = now - timedelta(weeks=IMPORT_WEEKS)
    moved = _moved_occurrences(events, zone)
    found: dict[str, Meeting] = {}
    left_out: Counter[str] = Counter()
    result = Read()
    for number, event in enumerate(events):
        line = event_lines[number] if number < len(event_lines) else None
        name = _name(event, number, line)
        try:
            why_not = _left_out(event)
            if why_not:
                left_out[why_not] += 1
                continue
            for meeting in _meetings(event, zone, since, now, moved, left_out):
                found[meeting.key] = meeting
        except EventProblem as problem:
            result.problems.append(f"{name}: {problem}")
    result.meetings = sorted(found.values(), key=lambda m: m.start)
    result.skipped = [f"{count} {reason}" for reason, count in sorted(left_out.items())]
    return result


def _text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ActionError(f"line {line}: not UTF-8 text", FIELD) from None
    if not text.strip():
        raise ActionError("the file is empty", FIELD)
    return text


def _check_lines(text: str) -> list[int]:
    """Every content line well formed, the file a calendar; the line of each BEGIN:VEVENT."""
    lines = text.splitlines()
    first = next((n for n, line in enumerate(lines) if line.strip()), 0)
    if lines[first].strip().upper() != "BEGIN:VCALENDAR":
        raise ActionError(f"line {first + 1}: an iCalendar file begins with BEGIN:VCALENDAR", FIELD)
    events = []
    logical, start = "", 0
    for number, line in enumerate([*lines, "END:"], start=1):
        if line[:1] in (" ", "\t"):
            logical += line[1:]
            continue
        if logical.strip() and not _LINE.fullmatch(logical):
            shown = logical if len(logical) <= 60 else logical[:57] + "…"
            raise ActionError(f"line {start}: not an iCalendar line (NAME:value): {shown}", FIELD)
        if logical.strip().upper() == "BEGIN:VEVENT":
            events.append(start)
        logical, start = line, number
    return events


def _name(event, number: int, line: int | None) -> str:
    summary = str(event.get("summary", "")).strip()
    what = f'"{summary}"' if summary else f"event {number + 1}"
    return f"{what} (line {line})" if line else what


def _left_out(event) -> str:
    if str(event.get("status", "")).upper() == "CANCELLED":
        return "cancelled events left out"
    if str(event.get("transp", "")).upper() == "TRANSPARENT":
        return "events marked free left out"
    return ""


def _moment(event, name: str, zone: ZoneInfo) -> datetime | date | None:
    if name not in event:
        return None
    try:
        value = event.decoded(name)
    except Exception:
        raise EventProblem(f"its {name.upper()} cannot be read") from None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=zone)  # a floating time: the agent's own clock
    return value


def _moved_occurrences(events, zone: ZoneInfo) -> set[tuple[str, datetime]]:
    """(UID, original start) of each occurrence of a recurring event that was moved: its own
    VEVENT (with RECURRENCE-ID) stands for it."""
    moved = set()
    for event in events:
        if "recurrence-id" in event and "uid" in event:
            try:
                original = _moment(event, "recurrence-id", zone)
            except EventProblem:
                continue
            if isinstance(original, datetime):
                moved.add((str(event["uid"]), original.astimezone(UTC)))
    return moved


def _meetings(event, zone, since, now, moved, left_out: Counter) -> list[Meeting]:
    uid = str(event.get("uid", "")).strip()
    if not uid:
        raise EventProblem("it has no UID, so a second import could not recognise it")
    start = _moment(event, "dtstart", zone)
    if start is None:
        raise EventProblem("it has no start (DTSTART)")
    if not isinstance(start, datetime):
        left_out["all-day events left out (a day is not hours of meeting)"] += 1
        return []
    length = _length(event, start, zone)
    title = " ".join(str(event.get("summary", "")).split())[:200] or "Calendar event"
    if "rrule" in event and "recurrence-id" not in event:
        starts = _occurrences(event, start, length, since, now, zone)
        starts = [s for s in starts if (uid, s.astimezone(UTC)) not in moved]
    else:
        starts = [start]
    meetings = []
    for occurrence in starts:
        if occurrence > now:
            left_out["meetings still to come left out"] += 1
        elif occurrence < since:
            left_out[f"meetings older than {IMPORT_WEEKS} weeks left out"] += 1
        else:
            utc = occurrence.astimezone(UTC)
            meetings.append(Meeting(_key(uid, utc), title, utc, int(length.total_seconds())))
    return meetings


def _length(event, start: datetime, zone: ZoneInfo) -> timedelta:
    end = _moment(event, "dtend", zone)
    if end is not None:
        if not isinstance(end, datetime):
            raise EventProblem("it starts at a time but ends on a day (DTEND)")
        length = end - start
    elif "duration" in event:
        try:
            length = event.decoded("duration")
        except Exception:
            raise EventProblem("its DURATION cannot be read") from None
        if not isinstance(length, timedelta):
            raise EventProblem("its DURATION cannot be read")
    else:
        raise EventProblem("it has no end (DTEND or DURATION)")
    if length <= timedelta(0):
        raise EventProblem("it ends before it starts")
    if length > timedelta(hours=MAX_HOURS):
        raise EventProblem(f"it lasts more than {MAX_HOURS} hours")
    return length


def _occurrences(event, start, length, since, now, zone) -> list[datetime]:
    rule_text = event["rrule"].to_ical().decode()
    window = (since - length, now + timedelta(days=1))
    try:
        try:
            starts = rrule.rrulestr(rule_text, dtstart=start).between(*window, inc=True)
        except ValueError:
            # An UNTIL without "Z" beside a start with a time zone (a floating start, or a
            # calendar that writes them so): expand on the start's wall clock instead.
            wall = start.tzinfo
            local = [moment.astimezone(wall).replace(tzinfo=None) for moment in window]
            rule = rrule.rrulestr(rule_text, dtstart=start.replace(tzinfo=None))
            starts = [s.replace(tzinfo=wall) for s in rule.between(*local, inc=True)]
    except (ValueError, TypeError) as exc:
        raise EventProblem(f"its RRULE cannot be read: {exc}") from None
    excluded = set()
    exdates = event.get("exdate", [])
    for exdate in exdates if isinstance(exdates, list) else [exdates]:
        for value in getattr(exdate, "dts", []):
            moment = value.dt
            if isinstance(moment, datetime):
                moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
                excluded.add(moment.astimezone(UTC))
    return [s for s in starts[:MAX_OCCURRENCES] if s.astimezone(UTC) not in excluded]


def _key(uid: str, start: datetime) -> str:
    if len(uid) > 300:  # keys stay short enough to index; the UID's digest names it as well
        uid = "sha256:" + hashlib.sha256(uid.encode()).hexdigest()
    return f"ics:{uid}:{start:%Y%m%dT%H%M%SZ}"
