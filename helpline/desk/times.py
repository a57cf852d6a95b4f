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
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import dateformat, formats, timezone
from django.utils.dates import MONTHS, MONTHS_3, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from helpline.core.durations import compact_duration

Formatter = Callable[[Any], str]


# Django's format characters written by one str.format call ({0} is the value, {1} its
# month's name and {2} its weekday's); a format using any other falls back to Django's.
_FIELDS = {
    "d": "{0.day:02d}",
    "j": "{0.day}",
    "n": "{0.month}",
    "m": "{0.month:02d}",
    "Y": "{0.year}",
    "H": "{0.hour:02d}",
    "G": "{0.hour}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
}
_MONTH_NAMES = {
    "M": lambda i: str(MONTHS_3[i]).title(),
    "b": lambda i: str(MONTHS_3[i]),
    "F": lambda i: str(MONTHS[i]),
    "N": lambda i: str(MONTHS_AP[i]),
}
_DAY_NAMES = {"D": lambda i: str(WEEKDAYS_ABBR[i]), "l": lambda i: str(WEEKDAYS[i])}


def _django(fmt: str) -> Formatter:
    def write(value: Any) -> str:
        return dateformat.format(value, fmt)

    return write


def _compile(fmt: str) -> Formatter:
    """Django's format string `fmt`, in the active language, as one str.format."""
    template: list[str] = []
    months = [""] * 13
    days = [""] * 7
    escaped = False
    for char in fmt:
        if escaped or not char.isalpha() and char != "\\":
            template.append(char.replace("{", "{{").replace("}", "}}"))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _FIELDS:
            template.append(_FIELDS[char])
        elif char in _MONTH_NAMES and not any(months):
            months = [""] + [_MONTH_NAMES[char](i) for i in range(1, 13)]
            template.append("{1}")
        elif char in _DAY_NAMES and not any(days):
            days = [_DAY_NAMES[char](i) for i in range(7)]
            template.append("{2}")
        else:  # a character this does not write, or a second month or weekday name
            return _django(fmt)
    pattern = "".join(template)

    def write(value: Any) -> str:
        return pattern.format(value, months[value.month], days[value.weekday()])

    return write


@dataclass(frozen=True)
class _Language:
    """The active language's formats and phrases, compiled once: gettext and Django's
    formatter cost more than the rest of writing a time together."""

    moment: Formatter
    day: Formatter
    clock: Formatter
    ago: str
    ahead: str
    zone: str
    at: str


_languages: dict[str, _Language] = {}


def _language() -> _Language:
    code = get_language() or ""
    found = _languages.get(code)
    if found is None:
        found = _languages[code] = _Language(
            moment=_compile(str(formats.get_format("DATETIME_FORMAT", code))),
            day=_compile(str(formats.get_format("DATE_FORMAT", code))),
            clock=_compile(str(formats.get_format("TIME_FORMAT", code))),
            ago=gettext("%(span)s ago"),
            ahead=gettext("in %(span)s"),
            zone=gettext("%(place)s time"),
            at=gettext("%(time)s at %(place)s"),
        )
    return found


def format_datetime(local: datetime) -> str:
    """A wall-clock reading in the active language: 4 Dec 2026, 14:30."""
    return _language().moment(local)


def format_day(day: date) -> str:
    """A day in the active language, with its weekday: Friday 4 Dec 2026."""
    return f"{WEEKDAYS[day.weekday()]} {_language().day(day)}"


def zone_name(zone: ZoneInfo, language: _Language | None = None) -> str:
    """What people call a zone: "Berlin time", "New York time", "UTC"."""
    key = str(zone.key)
    if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Zulu", "Universal"):
        return "UTC"
    if key.startswith("Etc/") or "/" not in key:
        return key.removeprefix("Etc/")
    place = key.rsplit("/", 1)[-1].replace("_", " ")
    return (language or _language()).zone % {"place": place}


def age(value: datetime, now: datetime | None = None, language: _Language | None = None) -> str:
    """How long ago, or in how long: "2h ago", "in 3d 4h"."""
    language = language or _language()
    seconds = ((now or timezone.now()) - value).total_seconds()
    if seconds >= 0:
        return language.ago % {"span": compact_duration(int(seconds))}
    return language.ahead % {"span": compact_duration(int(-seconds))}


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


def _reading(value: datetime, until: datetime | None, language: _Language) -> tuple[str, datetime]:
    viewer = timezone.get_current_timezone()
    local = value.astimezone(viewer)
    text = language.moment(local)
    if until is not None:
        text += "–" + language.clock(until.astimezone(viewer))
    return text, local


def plain(value: datetime | None, place=None, *, until: datetime | None = None) -> str:
    """The moment as text (a message, a title, an option): "4 Dec 2026, 14:30 Berlin time"."""
    if value is None:
        return ""
    language = _language()
    text, local = _reading(value, until, language)
    zone, _ = _zone_of(place)
    if _differs(local, zone):
        text += " " + zone_name(local.tzinfo, language)  # type: ignore[arg-type]
    return text


def when(
    value: datetime | None, place=None, *, until: datetime | None = None, now=None
) -> SafeString:
    """The moment as a <time>: absolute in the viewer's zone, its age beside it, and whose
    clock it is on when the place's reads differently."""
    if value is None:
        return SafeString("")
    language = _language()
    shown, local = _reading(value, until, language)
    zone, where = _zone_of(place)
    label = title = ""
    if zone is not None and _differs(local, zone):
        label = " " + zone_name(local.tzinfo, language)  # type: ignore[arg-type]
        there = language.moment(local.astimezone(zone))
        said = (
            language.at % {"time": there, "place": where}
            if where
            else f"{there} {zone_name(zone, language)}"
        )
        title = f' title="{escape(said)}"'
    instant = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    # Built by hand rather than with format_html, which costs as much as the rest: every
    # part is escaped here or is the desk's own text.
    ago = escape(age(value, now, language))
    return SafeString(
        f'<time datetime="{instant}"{title}>{escape(shown)}'
        f'<span class="zone">{escape(label)}</span>'
        f'<span class="age"><span class="sep"> · </span>{ago}</span></time>'
    )
