"""How the desk writes a moment: one way, everywhere.

Every time is shown in the viewer's zone (activated per request by
`helpline.desk.middleware.ViewerTimeZone`), in the active language's DATETIME_FORMAT
(helpline/formats for English: "4 Dec 2026, 14:30"), with its age beside it ("2h ago",
"in 3d"). When the thing happened at a location whose clock reads differently at that
moment, the time says whose clock it is on ("14:30 Berlin time") and its title gives the
location's own reading.

The format string is compiled once per language into plain Python: Django's `date`
filter costs about a twentieth of a millisecond a call, and a page shows fifty times.
"""

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import dateformat, formats, timezone
from django.utils.dates import MONTHS, MONTHS_3, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from helpline.core.durations import compact_duration

Formatter = Callable[[datetime | date], str]


def _two(n: int) -> str:
    return f"{n:02d}"


# Django's format characters that are cheap to write without its DateFormat; a format
# using any other falls back to Django's formatter.
_PARTS: dict[str, Callable[[datetime | date], str]] = {
    "d": lambda v: _two(v.day),
    "j": lambda v: str(v.day),
    "n": lambda v: str(v.month),
    "m": lambda v: _two(v.month),
    "Y": lambda v: str(v.year),
    "y": lambda v: _two(v.year % 100),
    "H": lambda v: _two(v.hour),  # type: ignore[union-attr]
    "G": lambda v: str(v.hour),  # type: ignore[union-attr]
    "i": lambda v: _two(v.minute),  # type: ignore[union-attr]
    "s": lambda v: _two(v.second),  # type: ignore[union-attr]
}


def _compile(fmt: str) -> Formatter:
    names = {
        "D": [str(WEEKDAYS_ABBR[i]) for i in range(7)],
        "l": [str(WEEKDAYS[i]) for i in range(7)],
        "M": [""] + [str(MONTHS_3[i]).title() for i in range(1, 13)],
        "b": [""] + [str(MONTHS_3[i]) for i in range(1, 13)],
        "F": [""] + [str(MONTHS[i]) for i in range(1, 13)],
        "N": [""] + [str(MONTHS_AP[i]) for i in range(1, 13)],
    }
    pieces: list[str | Callable[[datetime | date], str]] = []
    escaped = False
    for char in fmt:
        if escaped:
            pieces.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _PARTS:
            pieces.append(_PARTS[char])
        elif char in ("D", "l"):
            days = names[char]
            pieces.append(lambda v, days=days: days[v.weekday()])
        elif char in names:
            months = names[char]
            pieces.append(lambda v, months=months: months[v.month])
        elif char.isalpha():
            return lambda v, fmt=fmt: dateformat.format(v, fmt)
        else:
            pieces.append(char)

    def write(value: datetime | date) -> str:
        return "".join(p if isinstance(p, str) else p(value) for p in pieces)

    return write


_compiled: dict[tuple[str, str], Formatter] = {}


def _formatter(kind: str) -> Formatter:
    language = get_language() or ""
    key = (language, kind)
    found = _compiled.get(key)
    if found is None:
        found = _compiled[key] = _compile(str(formats.get_format(kind, language)))
    return found


def format_datetime(local: datetime) -> str:
    """A wall-clock reading in the active language: 4 Dec 2026, 14:30."""
    return _formatter("DATETIME_FORMAT")(local)


def format_day(day: date) -> str:
    """A day in the active language, with its weekday: Friday, 4 Dec 2026."""
    return f"{WEEKDAYS[day.weekday()]}, {_formatter('DATE_FORMAT')(day)}"


def format_clock(local: datetime) -> str:
    return _formatter("TIME_FORMAT")(local)


def zone_name(zone: ZoneInfo) -> str:
    """What people call a zone: "Berlin time", "New York time", "UTC"."""
    key = str(zone.key)
    if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Zulu", "Universal"):
        return "UTC"
    if key.startswith("Etc/") or "/" not in key:
        return key.removeprefix("Etc/")
    return gettext("%(place)s time") % {"place": key.rsplit("/", 1)[-1].replace("_", " ")}


def age(value: datetime, now: datetime | None = None) -> str:
    """How long ago, or in how long: "2h ago", "in 3d 4h"."""
    seconds = ((now or timezone.now()) - value).total_seconds()
    if seconds >= 0:
        return gettext("%(span)s ago") % {"span": compact_duration(int(seconds))}
    return gettext("in %(span)s") % {"span": compact_duration(int(-seconds))}


def _zone_of(place) -> tuple[ZoneInfo | None, str]:
    """The zone of a Location (or a zone name) and what to call the place."""
    if place is None or place == "":
        return None, ""
    key, where = (place, "") if isinstance(place, str) else (place.timezone, place.name)
    try:
        return ZoneInfo(key), where
    except (ZoneInfoNotFoundError, ValueError):
        return None, ""


def _differs(local: datetime, zone: ZoneInfo | None) -> bool:
    """Whether the place's clock reads differently from the viewer's at that moment (two
    zone names with the same offset then, say London and Lisbon, read alike)."""
    return zone is not None and local.utcoffset() != local.astimezone(zone).utcoffset()


def plain(value: datetime | None, place=None, *, until: datetime | None = None) -> str:
    """The moment as text (a message, a title, an option): "4 Dec 2026, 14:30 Berlin time"."""
    if value is None:
        return ""
    viewer = timezone.get_current_timezone()
    local = value.astimezone(viewer)
    text = format_datetime(local)
    if until is not None:
        text += "–" + format_clock(until.astimezone(viewer))
    zone, _ = _zone_of(place)
    if _differs(local, zone):
        text += " " + zone_name(viewer)  # type: ignore[arg-type]
    return text


def when(
    value: datetime | None, place=None, *, until: datetime | None = None, now=None
) -> SafeString:
    """The moment as a <time>: absolute in the viewer's zone, its age beside it, and whose
    clock it is on when the place's reads differently."""
    if value is None:
        return SafeString("")
    viewer = timezone.get_current_timezone()
    local = value.astimezone(viewer)
    shown = format_datetime(local)
    if until is not None:
        shown += "–" + format_clock(until.astimezone(viewer))
    zone, where = _zone_of(place)
    label = title = ""
    if _differs(local, zone):
        label = " " + zone_name(viewer)  # type: ignore[arg-type]
        there = format_datetime(local.astimezone(zone))
        title = (
            gettext("%(time)s at %(place)s") % {"time": there, "place": where}
            if where
            else f"{there} {zone_name(zone)}"  # type: ignore[arg-type]
        )
    return format_html(
        '<time datetime="{}"{}>{}<span class="zone">{}</span>'
        '<span class="age"><span class="sep"> · </span>{}</span></time>',
        value.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"),
        format_html(' title="{}"', title) if title else "",
        shown,
        label,
        age(value, now),
    )
