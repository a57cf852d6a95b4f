"""The weekly digest: each manager's last week beside the week before, for their locations
only, with the biggest changes, the perception gap's headline and links into the reports.

Who gets it: active managers and admins who serve at least one location (their locations'
figures), unless they switched it off; admins who serve no location get the whole desk's
only when they switch it on. When: on Monday from HELPLINE_DIGEST_HOUR (07:00) in the
recipient's own time zone (`User.zone()`: their first location's unless they chose one), so
a manager in Berlin and one in New York each get it with their Monday coffee; the beat task
looks every hour, and a digest missed on Monday (the worker was down) goes later that week.

Composing is a pure read (helpline.reports.figures and perception); `actions.queue_digest`
writes the Digest row (once per person and week) and queues its mail, text and HTML, as staff
mail (core.staff_mail), whose worker sends, retries and gives up on it like any mail to our
own people.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from helpline.core.models import Location, Role, User
from helpline.reports import figures, perception
from helpline.reports.figures import CHANNEL_LABELS, Figure, Filters, Scope
from helpline.reports.formats import show
from helpline.reports.models import DigestChoice

BIGGEST = 3  # changes listed
NOTICEABLE = 5  # a count changes noticeably only with at least this many in one of the weeks


# Who and when


def recipients() -> QuerySet[User]:
    """Everyone who gets a digest (see the module's docstring), with an address."""
    served = User.locations.through.objects.filter(user_id=OuterRef("pk"))
    choice = DigestChoice.objects.filter(user_id=OuterRef("pk")).values("wanted")[:1]
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role__in=[Role.MANAGER, Role.ADMIN]) | Q(is_superuser=True))
        .exclude(email="")
        .annotate(serves=Exists(served), wanted=Subquery(choice))
        .filter(Q(wanted=True) | Q(wanted__isnull=True, serves=True))
        .order_by("pk")
    )


def gets_digest(user: User) -> bool:
    return recipients().filter(pk=user.pk).exists()


def default_on(user: User) -> bool:
    """Whether they get it without having said (a manager, or an admin who serves a place)."""
    return user.role in (Role.MANAGER, Role.ADMIN) or user.is_superuser


def scope_of(user: User) -> Scope | None:
    """Their locations; the whole desk for an admin who serves none; None: nothing to say."""
    ids = user.location_ids()
    if ids:
        return Scope(frozenset(ids))
    if user.sees_everything:
        return Scope(None)
    return None


def due_week(user: User, now: datetime | None = None) -> date | None:
    """The Monday of their current week once it is Monday HELPLINE_DIGEST_HOUR for them."""
    local = timezone.localtime(now or timezone.now(), user.zone())
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.hour < settings.HELPLINE_DIGEST_HOUR:
        return None
    return monday


# What it says


@dataclass
class Line:
    figure: Figure
    text: str
    before: str
    change: str


@dataclass
class Content:
    user: User
    week_start: date
    start: date
    end: date
    where: str
    lines: list[Line]
    changes: list[str]
    gaps: list[str]
    links: dict[str, str]
    subject: str = ""
    text: str = ""
    html: str = ""


def change_of(now, before, unit: str) -> tuple[str, float | None]:
    """The change as words ("+12 %", "−3.1 points") and its size for ranking (relative)."""
    if now is None or before is None:
        return "", None
    if unit == "share":
        points = (now - before) * 100
        return f"{points:+.1f} points", abs(now - before) / max(before, 0.05)
    if before == 0:
        return ("new" if now else "no change"), (1.0 if now else 0.0)
    relative = (now - before) / before
    return f"{relative * 100:+.0f} %", abs(relative)


def headline_figures(f: Filters) -> list[Figure]:
    first = {x.key: x for x in figures.time_figures(f, "first_response")}
    reach = next(x for x in figures.promises_headlines(f) if x.key == "reach_rate")
    return [
        figures.new_conversations(f),
        first["first_response_business_median"],
        first["first_response_business_p90"],
        figures.attainment(f, "response"),
        figures.attainment(f, "resolution"),
        reach,
        figures.csat_good(f),
    ]


def _counts(f: Filters, by: str) -> dict:
    return dict(f.opened().values_list(by).annotate(n=Count("pk")).order_by())


def biggest_changes(f: Filters, shown: list[Figure], where: dict[int, str]) -> list[str]:
    """The largest relative changes among the headline figures and the new conversations
    per channel (and per location, with several), each as a sentence."""
    candidates = []
    for figure in shown:
        before = figure.previous
        if before is None or figure.n == 0 or before.n == 0:
            continue
        if figure.unit == "count" and max(figure.n, before.n) < NOTICEABLE:
            continue
        words, size = change_of(figure.value, before.value, figure.unit)
        if size:
            text = (
                f"{figure.label}: {show(before.value, figure.unit)} → "
                f"{show(figure.value, figure.unit)} ({words}; n = {before.n} → {figure.n})"
            )
            candidates.append((size, text))
    groups = [("channel", CHANNEL_LABELS)]
    if len(where) > 1:
        groups.append(("location_id", where))
    for by, names in groups:
        now, earlier = _counts(f, by), _counts(f.previous(), by)
        for key in sorted(set(now) | set(earlier), key=str):
            a, b = now.get(key, 0), earlier.get(key, 0)
            if max(a, b) < NOTICEABLE or key not in names:
                continue
            words, size = change_of(a, b, "count")
            if size:
                text = f"New conversations, {names[key]}: {b:,} → {a:,} ({words})"
                candidates.append((size, text))
    candidates.sort(key=lambda c: -c[0])
    return [text for _, text in candidates[:BIGGEST]]


def gap_headlines(day: date, locations: list[Location | None], cache: dict) -> list[str]:
    """Per location, the perception gap of the last period that has ended: its largest gap,
    or that too few answered (the candor page's own words)."""
    start, end = perception.period_of(perception.period_of(day)[0] - timedelta(days=1))
    lines = []
    for location in locations:
        key = (location.pk if location else None, start)
        if key not in cache:
            cache[key] = perception.gap(start, end, Scope(None), location=location)
        group = cache[key]
        period = f"{start:%-d %b} – {end:%-d %b %Y}"
        largest = group.largest if group.shown else None
        if largest is not None:
            lines.append(
                f"{group.name}, {period}: the largest gap is "
                f"{largest.dimension.label.lower()}. {largest.sentence()}"
            )
        else:
            lines.append(
                f"{group.name}, {period}: {group.answers} of at least {perception.MIN_ANSWERS} "
                "people answered, so the team's estimates are not compared."
            )
    return lines


def _links(start: date, end: date, locations: list[Location | None]) -> dict[str, str]:
    site = settings.SITE_URL.rstrip("/")
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    links = {
        name: f"{site}{reverse(f'desk:reports-{name}')}?{query}"
        for name in ("volume", "responsiveness", "promises")
    }
    candor = f"{site}{reverse('desk:reports-candor')}"
    if len(locations) == 1 and locations[0] is not None:
        candor += f"?{urlencode({'location': locations[0].pk})}"
    links["candor"] = candor
    links["settings"] = f"{site}{reverse('desk:my-settings')}"
    return links


def compose(user: User, week_start: date, cache: dict | None = None) -> Content | None:
    """The digest of the week before `week_start` for `user`; None when they serve nothing."""
    scope = scope_of(user)
    if scope is None:
        return None
    cache = {} if cache is None else cache
    start, end = week_start - timedelta(days=7), week_start - timedelta(days=1)
    if scope.location_ids is None:
        locations: list[Location | None] = [None]
        names = dict(Location.objects.values_list("pk", "name"))
        where = "the whole desk"
    else:
        found = list(Location.objects.filter(pk__in=scope.location_ids).order_by("name"))
        locations = list(found)
        names = {loc.pk: loc.name for loc in found}
        where = ", ".join(loc.name for loc in found)
    with timezone.override(user.zone()):
        f = Filters(start=start, end=end, scope=scope)
        shown = figures.with_previous(f, headline_figures)
        lines = []
        for figure in shown:
            before = figure.previous
            words, _ = change_of(figure.value, before.value if before else None, figure.unit)
            lines.append(
                Line(
                    figure,
                    show(figure.value, figure.unit),
                    show(before.value, figure.unit) if before else "—",
                    words,
                )
            )
        content = Content(
            user=user,
            week_start=week_start,
            start=start,
            end=end,
            where=where,
            lines=lines,
            changes=biggest_changes(f, shown, names),
            gaps=gap_headlines(week_start, locations, cache),
            links=_links(start, end, locations),
        )
        context = {"d": content, "name": user.first_name or user.username}
        content.subject = (
            f"Your week at {where}: {lines[0].text} new conversations "
            f"({start:%-d %b} – {end:%-d %b %Y})"
        )[:998]
        content.text = render_to_string("reports/digest.txt", context)
        content.html = render_to_string("reports/digest.html", context)
    return content
