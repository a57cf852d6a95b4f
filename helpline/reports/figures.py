"""Every report figure, in one place with its definition (pure reads of the facts).

Times are whole seconds. Percentiles are exact, by the nearest rank: the p-th percentile of
n values is the ceil(p·n/100)-th smallest (the median of 4 values is the 2nd). PostgreSQL
computes them with percentile_disc, which is that definition; other databases in Python.
A proportion carries its Wilson 95% interval; every figure its count n, and "few" when
fewer than 30 cases stand behind it.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from helpline.conversations.models import OPEN_STATUSES, Channel, Conversation, Wait
from helpline.core.models import Location, Team, User
from helpline.reports.models import ConversationFact

FEW = 30
Z95 = 1.959963984540054
CHANNEL_LABELS = dict(Channel.choices)
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# Distribution buckets of a time: (label, from seconds inclusive, to seconds exclusive).
TIME_BUCKETS = [
    ("under 15 min", 0, 15 * 60),
    ("15–60 min", 15 * 60, 3600),
    ("1–4 h", 3600, 4 * 3600),
    ("4–8 h", 4 * 3600, 8 * 3600),
    ("8–24 h", 8 * 3600, 86400),
    ("1–3 days", 86400, 3 * 86400),
    ("3 days or more", 3 * 86400, None),
]
AGE_BUCKETS = [
    ("under 1 day", 0, 1),
    ("1–3 days", 1, 3),
    ("3–7 days", 3, 7),
    ("7–30 days", 7, 30),
    ("30 days or more", 30, None),
]
LIVE_CHANNELS = (Channel.PHONE, Channel.WALK_IN)

DEFINITIONS = {
    "new": "Conversations that began in the period (by the day they began in their "
    "location's time zone), whoever started them.",
    "first_response": "From the customer's first message to our first response to it (a "
    "reply, a call that reached them, or talking with them on a call or a visit), for "
    "conversations that began in the period. Business time counts only the location's "
    "opening hours; wall time counts every hour. Conversations without a customer message, "
    "or still without a response, are not counted.",
    "resolution": "From the conversation's beginning to its solving, for conversations "
    "solved in the period, less the time it spent pending or solved before a reopening "
    "(as the service level's resolution clock pauses).",
    "response_target": "Of the conversations that began in the period under a service level "
    "policy and got a response, the share whose response clock was never breached.",
    "resolution_target": "Of the conversations solved in the period under a service level "
    "policy, the share whose resolution clock was never breached.",
    "waits": "For calls and visits logged with how long the customer waited to be helped "
    "(in the queue or on hold), that time, for those that came in during the period.",
    "backlog": "Conversations open now (new or open: someone on our side has to act), by how "
    "long ago they began. The date range does not apply: it is now.",
    "heat": "Conversations that began in the period, by weekday and hour in their location's "
    "time zone.",
}


@dataclass(frozen=True)
class Scope:
    """What the viewer may see: None for every location; an agent sees only their own."""

    location_ids: frozenset[int] | None
    agent_id: int | None = None

    @classmethod
    def of(cls, user: User) -> "Scope":
        locations = None if user.sees_everything else frozenset(user.location_ids())
        agent = None if user.sees_everything or user.role != "agent" else user.pk
        return cls(locations, agent)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    scope: Scope
    location: Location | None = None
    team: Team | None = None
    agent: User | None = None
    channel: str = ""
    tag: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The period of the same length just before."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    def facts(self) -> QuerySet:
        """The viewer's facts under every filter but the dates."""
        facts = ConversationFact.objects.all()
        if self.scope.location_ids is not None:
            facts = facts.filter(location_id__in=self.scope.location_ids)
        if self.scope.agent_id is not None:
            facts = facts.filter(assignee_id=self.scope.agent_id)
        if self.location is not None:
            facts = facts.filter(location_id=self.location.pk)
        if self.team is not None:
            facts = facts.filter(team_id=self.team.pk)
        if self.agent is not None:
            facts = facts.filter(assignee_id=self.agent.pk)
        if self.channel:
            facts = facts.filter(channel=self.channel)
        if self.tag:
            facts = facts.filter(conversation__tags__name=self.tag)
        return facts

    def opened(self) -> QuerySet:
        return self.facts().filter(opened_day__gte=self.start, opened_day__lte=self.end)

    def solved(self) -> QuerySet:
        return self.facts().filter(solved_day__gte=self.start, solved_day__lte=self.end)

    def waits(self) -> QuerySet:
        """Logged waits of calls and visits that began in the period (the viewer's zone)."""
        zone = timezone.get_current_timezone()
        since = datetime.combine(self.start, time.min, zone)
        until = datetime.combine(self.end + timedelta(days=1), time.min, zone)
        waits = Wait.objects.filter(
            started_at__gte=since,
            started_at__lt=until,
            channel__in=LIVE_CHANNELS,
            helped_after_seconds__isnull=False,
        )
        if self.scope.location_ids is not None:
            waits = waits.filter(location_id__in=self.scope.location_ids)
        if self.scope.agent_id is not None:
            waits = waits.filter(conversation__assignee_id=self.scope.agent_id)
        if self.location is not None:
            waits = waits.filter(location_id=self.location.pk)
        if self.team is not None:
            waits = waits.filter(conversation__team_id=self.team.pk)
        if self.agent is not None:
            waits = waits.filter(conversation__assignee_id=self.agent.pk)
        if self.channel:
            waits = waits.filter(channel=self.channel)
        if self.tag:
            waits = waits.filter(conversation__tags__name=self.tag)
        return waits


@dataclass
class Figure:
    key: str
    label: str
    value: float | int | None
    n: int
    unit: str  # "count", "seconds" or "share"
    definition: str
    low: float | None = None  # Wilson 95% interval of a share
    high: float | None = None
    drill: dict = field(default_factory=dict)
    previous: "Figure | None" = None

    @property
    def few(self) -> bool:
        return self.n < FEW


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list]  # plain values: str, int, float seconds, None
    definition: str
    unit: str = "count"  # of the value cells
    drills: list[list[dict | None]] = field(default_factory=list)  # per cell, or empty


def nearest_rank(values: list, percent: int):
    """The ceil(percent·n/100)-th smallest of `values` (sorted), None when empty."""
    if not values:
        return None
    rank = max(1, (percent * len(values) + 99) // 100)
    return values[rank - 1]


def percentiles(queryset: QuerySet, column: str, percents=(50, 90)) -> tuple[int, list]:
    """(n, [value per percent]) of a column over the rows of `queryset` that have it."""
    queryset = queryset.filter(**{f"{column}__isnull": False})
    if connection.vendor == "postgresql":
        try:
            sql, params = queryset.values(column).query.sql_with_params()
        except EmptyResultSet:  # e.g. a viewer who serves no location
            return 0, [None for _ in percents]
        wanted = ", ".join(
            f"percentile_disc({p / 100}) WITHIN GROUP (ORDER BY s.v)" for p in percents
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), {wanted} FROM ({sql}) AS s(v)", params)
            n, *values = cursor.fetchone()
        return n, list(values)
    values = sorted(queryset.values_list(column, flat=True))
    return len(values), [nearest_rank(values, p) for p in percents]


def wilson(k: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


# Volume


def new_conversations(f: Filters) -> Figure:
    n = f.opened().count()
    return Figure(
        "new", "New conversations", n, n, "count", DEFINITIONS["new"], drill={"figure": "new"}
    )


def dimension_label(by: str, value) -> str:
    if by == "channel":
        return str(CHANNEL_LABELS.get(value, value))
    if value is None:
        return "(none)"
    return value


DIMENSIONS = {"channel": "channel", "location": "location__name", "team": "team__name"}


def volume_counts(f: Filters) -> list[tuple]:
    """(day, channel, location name, team name, n) of the conversations begun in the
    period: one grouped scan for the three volume tables."""
    return list(
        f.opened()
        .values_list("opened_day", "channel", "location__name", "team__name")
        .annotate(n=Count("pk"))
        .order_by()
    )


def volume(f: Filters, by: str, period: str = "day", counted: list[tuple] | None = None) -> Table:
    """New conversations per day (or week, from Monday) and `by` channel, location or team."""
    position = {"channel": 1, "location": 2, "team": 3}[by]
    counts: dict = defaultdict(lambda: defaultdict(int))
    keys = set()
    for row in volume_counts(f) if counted is None else counted:
        day, value, n = row[0], row[position], row[4]
        bucket = day - timedelta(days=day.weekday()) if period == "week" else day
        counts[bucket][value] += n
        keys.add(value)
    ordered = sorted(keys, key=lambda v: (v is None, str(dimension_label(by, v))))
    periods = _periods(f, period)
    rows, drills = [], []
    for start in periods:
        row = [start.isoformat()] + [counts[start][v] for v in ordered]
        rows.append(row + [sum(counts[start].values())])
        drill = {"figure": "new", period: start.isoformat()}
        drills.append(
            [None]
            + [{**drill, "by": by, "value": "" if v is None else v} for v in ordered]
            + [drill]
        )
    total = ["Total"] + [sum(counts[p][v] for p in periods) for v in ordered]
    rows.append(total + [sum(total[1:])])
    drills.append(
        [None]
        + [{"figure": "new", "by": by, "value": "" if v is None else v} for v in ordered]
        + [{"figure": "new"}]
    )
    return Table(
        f"by_{by}_{period}",
        f"New conversations per {period} by {by}",
        [period.capitalize()] + [dimension_label(by, v) for v in ordered] + ["All"],
        rows,
        DEFINITIONS["new"],
        drills=drills,
    )


def _periods(f: Filters, period: str) -> list[date]:
    if period == "week":
        first = f.start - timedelta(days=f.start.weekday())
        return [first + timedelta(weeks=i) for i in range((f.end - first).days // 7 + 1)]
    return [f.start + timedelta(days=i) for i in range(f.days)]


def heat_map(f: Filters) -> list[Table]:
    """One table per location: weekday rows, hour columns (the location's own zone)."""
    counts: dict = defaultdict(lambda: [[0] * 24 for _ in range(7)])
    names = {}
    for location_id, name, weekday, hour, n in (
        f.opened()
        .values_list("location_id", "location__name", "opened_weekday", "opened_hour")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[location_id][weekday][hour] += n
        names[location_id] = name or "No location"
    tables = []
    for location_id in sorted(counts, key=lambda pk: (pk is None, names[pk])):
        grid = counts[location_id]
        tables.append(
            Table(
                f"heat_{location_id or 'none'}",
                f"When conversations begin at {names[location_id]} (its local time)",
                ["Day"] + [f"{h:02d}" for h in range(24)],
                [[WEEKDAYS[d]] + grid[d] for d in range(7)],
                DEFINITIONS["heat"],
                drills=[
                    [None]
                    + [
                        {
                            "figure": "heat",
                            "location_id": location_id or "",
                            "weekday": d,
                            "hour": h,
                        }
                        for h in range(24)
                    ]
                    for d in range(7)
                ],
            )
        )
    return tables


# Responsiveness

MEASURES = {
    # key: (label, the facts counted, business column, wall column)
    "first_response": (
        "First response",
        "opened",
        "first_response_business_seconds",
        "first_response_wall_seconds",
    ),
    "resolution": (
        "Resolution",
        "solved",
        "resolution_business_seconds",
        "resolution_wall_seconds",
    ),
}


def _measured(f: Filters, measure: str) -> QuerySet:
    return f.opened() if MEASURES[measure][1] == "opened" else f.solved()


def time_figures(f: Filters, measure: str) -> list[Figure]:
    """Median and 90th percentile of a time, in business and in wall time."""
    label, _, business, wall = MEASURES[measure]
    figures = []
    for clock, column in (("business", business), ("wall", wall)):
        n, (median, p90) = percentiles(_measured(f, measure), column)
        for percent, value in (("median", median), ("p90", p90)):
            name = "median" if percent == "median" else "90th percentile"
            figures.append(
                Figure(
                    f"{measure}_{clock}_{percent}",
                    f"{label}, {clock} time, {name}",
                    value,
                    n,
                    "seconds",
                    DEFINITIONS[measure],
                    drill={"figure": measure, "clock": clock},
                )
            )
    return figures


def distribution(f: Filters, measure: str) -> Table:
    label, _, business, wall = MEASURES[measure]
    facts = _measured(f, measure)
    aggregates = {}
    for clock, column in (("business", business), ("wall", wall)):
        for i, (_, low, high) in enumerate(TIME_BUCKETS):
            condition = Q(**{f"{column}__gte": low})
            if high is not None:
                condition &= Q(**{f"{column}__lt": high})
            aggregates[f"{clock}_{i}"] = Count("pk", filter=condition)
    counts = facts.aggregate(**aggregates)
    rows, drills = [], []
    for i, (name, _, _) in enumerate(TIME_BUCKETS):
        rows.append([name, counts[f"business_{i}"], counts[f"wall_{i}"]])
        drills.append(
            [None]
            + [{"figure": measure, "clock": clock, "bucket": i} for clock in ("business", "wall")]
        )
    return Table(
        f"{measure}_distribution",
        f"{label} time: how many conversations took how long",
        ["Time", "Business time", "Wall time"],
        rows,
        DEFINITIONS[measure],
        drills=drills,
    )


def attainment(f: Filters, target: str) -> Figure:
    column = f"{target}_target_met"
    facts = f.opened() if target == "response" else f.solved()
    counts = facts.aggregate(
        n=Count("pk", filter=Q(**{f"{column}__isnull": False})),
        k=Count("pk", filter=Q(**{column: True})),
    )
    n, k = counts["n"], counts["k"]
    low, high = wilson(k, n)
    label = "First response" if target == "response" else "Resolution"
    return Figure(
        f"{target}_target",
        f"{label} within the service level target",
        k / n if n else None,
        n,
        "share",
        DEFINITIONS[f"{target}_target"],
        low,
        high,
        drill={"figure": f"{target}_target"},
    )


def waits(f: Filters) -> Table:
    """Time to be helped of calls and walk-ins: n, median, 90th percentile, per channel."""
    rows, drills = [], []
    for channel in LIVE_CHANNELS:
        n, (median, p90) = percentiles(f.waits().filter(channel=channel), "helped_after_seconds")
        rows.append([CHANNEL_LABELS[channel], n, median, p90])
        drills.append([None, {"figure": "waits", "channel": channel}, None, None])
    return Table(
        "waits",
        "Waiting to be helped: calls and walk-ins",
        ["Channel", "n", "Median", "90th percentile"],
        rows,
        DEFINITIONS["waits"],
        unit="mixed",
        drills=drills,
    )


def backlog(f: Filters, now: datetime | None = None) -> Table:
    now = now or timezone.now()
    aggregates = {}
    for i, (_, low, high) in enumerate(AGE_BUCKETS):
        condition = Q(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(opened_at__gt=now - timedelta(days=high))
        aggregates[f"b{i}"] = Count("pk", filter=condition)
    counts = f.facts().filter(status__in=OPEN_STATUSES).aggregate(**aggregates)
    return Table(
        "backlog",
        "Open conversations by age",
        ["Age", "Conversations"],
        [[name, counts[f"b{i}"]] for i, (name, _, _) in enumerate(AGE_BUCKETS)],
        DEFINITIONS["backlog"],
        drills=[[None, {"figure": "backlog", "bucket": i}] for i in range(len(AGE_BUCKETS))],
    )


def with_previous(f: Filters, compute) -> list[Figure]:
    """Headline figures with the previous period's value beside each."""
    now, before = compute(f), compute(f.previous())
    for figure, earlier in zip(now, before, strict=True):
        figure.previous = earlier
    return now


def volume_headlines(f: Filters) -> list[Figure]:
    return [new_conversations(f)]


def responsiveness_headlines(f: Filters) -> list[Figure]:
    return [
        *time_figures(f, "first_response"),
        *time_figures(f, "resolution"),
        attainment(f, "response"),
        attainment(f, "resolution"),
    ]


# Drill-down: the conversations behind a number


def drill(f: Filters, what: dict, now: datetime | None = None) -> QuerySet:
    """Ids of the conversations behind a figure or a cell (`what` as the figures give it)."""
    figure = what.get("figure", "new")
    if figure in ("callbacks", "appointments"):
        return drill_promises(f, what)
    if figure in ("csat_good", "first_contact", "recovery"):
        return drill_customers(f, what)
    if figure == "guardrail":
        from helpline.reports import guardrails

        return guardrails.conversations(f, what.get("kind", ""))
    if figure == "waits":
        waits = f.waits()
        if what.get("channel"):
            waits = waits.filter(channel=what["channel"])
        return Conversation.objects.filter(pk__in=waits.values("conversation_id")).values("pk")
    if figure == "backlog":
        now = now or timezone.now()
        facts = f.facts().filter(status__in=OPEN_STATUSES)
        if what.get("bucket") not in (None, ""):
            _, low, high = AGE_BUCKETS[int(what["bucket"])]
            facts = facts.filter(opened_at__lte=now - timedelta(days=low))
            if high is not None:
                facts = facts.filter(opened_at__gt=now - timedelta(days=high))
        return facts.values("conversation_id")
    facts = f.solved() if figure in ("resolution", "resolution_target") else f.opened()
    if figure == "new":
        if what.get("day"):
            facts = facts.filter(opened_day=date.fromisoformat(what["day"]))
        if what.get("week"):
            monday = date.fromisoformat(what["week"])
            facts = facts.filter(opened_day__gte=monday, opened_day__lt=monday + timedelta(days=7))
        by = what.get("by")
        if by in DIMENSIONS:
            column = {"channel": "channel", "location": "location__name", "team": "team__name"}[by]
            value = what.get("value", "")
            facts = facts.filter(**{f"{column}__isnull": True} if value == "" else {column: value})
    elif figure == "heat":
        location = what.get("location_id", "")
        facts = facts.filter(location_id=int(location) if location else None)
        facts = facts.filter(opened_weekday=int(what["weekday"]), opened_hour=int(what["hour"]))
    elif figure in MEASURES:
        _, _, business, wall = MEASURES[figure]
        column = business if what.get("clock", "business") == "business" else wall
        facts = facts.filter(**{f"{column}__isnull": False})
        if what.get("bucket") not in (None, ""):
            _, low, high = TIME_BUCKETS[int(what["bucket"])]
            facts = facts.filter(**{f"{column}__gte": low})
            if high is not None:
                facts = facts.filter(**{f"{column}__lt": high})
    elif figure in ("response_target", "resolution_target"):
        column = figure.replace("_target", "_target_met")
        met = what.get("met", "")
        facts = facts.filter(
            **({f"{column}__isnull": False} if met == "" else {column: met == "1"})
        )
    return facts.values("conversation_id")


# What each report shows: its headline figures (with the previous period) and its tables,
# the same for the desk's pages, their CSV and the API.

REPORTS = {"volume": "Volume", "responsiveness": "Responsiveness", "promises": "Promises"}


def headlines_of(report: str, f: Filters) -> list[Figure]:
    compute = {
        "volume": volume_headlines,
        "responsiveness": responsiveness_headlines,
        "promises": promises_headlines,
    }[report]
    return with_previous(f, compute)


def tables_of(report: str, f: Filters) -> list[Table]:
    if report == "volume":
        period = "week" if f.days > 62 else "day"
        counted = volume_counts(f)
        tables = [volume(f, by, period, counted) for by in ("channel", "location", "team")]
        return tables + heat_map(f)
    if report == "promises":
        return [callback_table(f), appointment_table(f)]
    return [
        distribution(f, "first_response"),
        distribution(f, "resolution"),
        waits(f),
        backlog(f),
    ]


# Promises: callbacks and appointments (read from their own tables, a row per promise)

DEFINITIONS.update(
    {
        "first_try": "For callbacks created in the period that were tried, the time from the "
        "callback's creation (the missed call, the request) to our first try, in wall time.",
        "reach_rate": "Of the callbacks created in the period that are no longer open, the "
        "share in which one of our tries reached the customer.",
        "tries_per_reach": "Tries made on the callbacks created in the period, per callback "
        "that reached the customer.",
        "never_connected": "Of the callbacks created in the period that are no longer open, "
        "the share given up after their last try without reaching the customer.",
        "appointments": "Appointments that start in the period, not cancelled; each outcome "
        "as a share of those whose outcome is recorded (attended, missed by the customer, "
        "missed by us).",
    }
)


def _period(f: Filters) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(f.start, time.min, zone),
        datetime.combine(f.end + timedelta(days=1), time.min, zone),
    )


def _promise_filter(f: Filters, rows: QuerySet, agent: str) -> QuerySet:
    if f.scope.location_ids is not None:
        rows = rows.filter(location_id__in=f.scope.location_ids)
    if f.scope.agent_id is not None:
        rows = rows.filter(**{agent: f.scope.agent_id})
    if f.location is not None:
        rows = rows.filter(location_id=f.location.pk)
    if f.team is not None:
        rows = rows.filter(conversation__team_id=f.team.pk)
    if f.agent is not None:
        rows = rows.filter(**{agent: f.agent.pk})
    if f.channel:
        rows = rows.filter(conversation__channel=f.channel)
    if f.tag:
        rows = rows.filter(conversation__tags__name=f.tag)
    return rows


def callbacks(f: Filters) -> QuerySet:
    from helpline.callbacks.models import Callback

    since, until = _period(f)
    rows = Callback.objects.filter(created_at__gte=since, created_at__lt=until)
    return _promise_filter(f, rows, "assignee_id")


def appointments(f: Filters) -> QuerySet:
    from helpline.appointments.models import Appointment

    since, until = _period(f)
    rows = Appointment.objects.filter(starts_at__gte=since, starts_at__lt=until)
    return _promise_filter(f, rows, "agent_id")


def _share(key, label, k, n, definition, drill) -> Figure:
    low, high = wilson(k, n)
    return Figure(key, label, k / n if n else None, n, "share", definition, low, high, drill=drill)


def promises_headlines(f: Filters) -> list[Figure]:
    from django.db.models import Exists, Min, OuterRef

    from helpline.appointments.models import AppointmentStatus
    from helpline.callbacks.models import CallbackAttempt, CallbackStatus, Outcome

    rows = callbacks(f)
    tried = sorted(
        max(0, int((first - created).total_seconds()))
        for created, first in rows.annotate(first=Min("tries__at"))
        .filter(first__isnull=False)
        .values_list("created_at", "first")
    )
    reached = CallbackAttempt.objects.filter(callback=OuterRef("pk"), outcome=Outcome.REACHED)
    done = rows.exclude(status=CallbackStatus.OPEN)
    counts = done.aggregate(
        n=Count("pk"),
        reached=Count("pk", filter=Q(Exists(reached))),
        never=Count("pk", filter=~Q(Exists(reached)) & Q(status=CallbackStatus.FAILED)),
    )
    all_reached = rows.filter(Exists(reached)).count()
    tries = CallbackAttempt.objects.filter(callback__in=rows.values("pk")).count()
    outcomes = (
        appointments(f)
        .exclude(status=AppointmentStatus.CANCELLED)
        .aggregate(
            booked=Count("pk"),
            attended=Count("pk", filter=Q(status=AppointmentStatus.ATTENDED)),
            missed=Count("pk", filter=Q(status=AppointmentStatus.MISSED)),
            ours=Count("pk", filter=Q(status=AppointmentStatus.MISSED_BY_US)),
        )
    )
    decided = outcomes["attended"] + outcomes["missed"] + outcomes["ours"]
    first_try = DEFINITIONS["first_try"]
    return [
        Figure(
            "first_try_median",
            "Time to the first try, median",
            nearest_rank(tried, 50),
            len(tried),
            "seconds",
            first_try,
            drill={"figure": "callbacks"},
        ),
        Figure(
            "first_try_p90",
            "Time to the first try, 90th percentile",
            nearest_rank(tried, 90),
            len(tried),
            "seconds",
            first_try,
            drill={"figure": "callbacks"},
        ),
        _share(
            "reach_rate",
            "Callbacks that reached the customer",
            counts["reached"],
            counts["n"],
            DEFINITIONS["reach_rate"],
            {"figure": "callbacks", "reached": "1"},
        ),
        Figure(
            "tries_per_reach",
            "Tries per callback that reached",
            round(tries / all_reached, 2) if all_reached else None,
            all_reached,
            "ratio",
            DEFINITIONS["tries_per_reach"],
            drill={"figure": "callbacks"},
        ),
        _share(
            "never_connected",
            "Callbacks never connected",
            counts["never"],
            counts["n"],
            DEFINITIONS["never_connected"],
            {"figure": "callbacks", "reached": "0"},
        ),
        Figure(
            "appointments_booked",
            "Appointments",
            outcomes["booked"],
            outcomes["booked"],
            "count",
            DEFINITIONS["appointments"],
            drill={"figure": "appointments"},
        ),
        _share(
            "appointments_attended",
            "Appointments attended",
            outcomes["attended"],
            decided,
            DEFINITIONS["appointments"],
            {"figure": "appointments", "status": "attended"},
        ),
        _share(
            "appointments_missed",
            "Appointments missed by the customer",
            outcomes["missed"],
            decided,
            DEFINITIONS["appointments"],
            {"figure": "appointments", "status": "missed"},
        ),
        _share(
            "appointments_missed_by_us",
            "Appointments missed by us",
            outcomes["ours"],
            decided,
            DEFINITIONS["appointments"],
            {"figure": "appointments", "status": "missed_by_us"},
        ),
    ]


def appointment_table(f: Filters) -> Table:
    from helpline.appointments.models import AppointmentStatus, Kind

    statuses = [s for s in AppointmentStatus.values]
    counts = defaultdict(int)
    for kind, status, n in (
        appointments(f).values_list("kind", "status").annotate(n=Count("pk")).order_by()
    ):
        counts[(kind, status)] = n
    labels = dict(AppointmentStatus.choices)
    rows, drills = [], []
    for kind, name in Kind.choices:
        rows.append([str(name)] + [counts[(kind, s)] for s in statuses])
        drills.append(
            [None] + [{"figure": "appointments", "kind": kind, "status": s} for s in statuses]
        )
    return Table(
        "appointments",
        "Appointments by outcome",
        ["Kind"] + [str(labels[s]) for s in statuses],
        rows,
        DEFINITIONS["appointments"],
        drills=drills,
    )


def callback_table(f: Filters) -> Table:
    from django.db.models import Exists, OuterRef

    from helpline.callbacks.models import CallbackAttempt, CallbackStatus, Outcome, Reason

    reached = CallbackAttempt.objects.filter(callback=OuterRef("pk"), outcome=Outcome.REACHED)
    rows, drills = [], []
    per_reason = {
        reason: counts
        for reason, *counts in callbacks(f)
        .values("reason")
        .annotate(
            n=Count("pk"),
            open=Count("pk", filter=Q(status=CallbackStatus.OPEN)),
            hit=Count("pk", filter=Q(Exists(reached))),
            never=Count("pk", filter=~Q(Exists(reached)) & Q(status=CallbackStatus.FAILED)),
        )
        .values_list("reason", "n", "open", "hit", "never")
        .order_by()
    }
    for reason, name in Reason.choices:
        n, still_open, hit, never = per_reason.get(reason, (0, 0, 0, 0))
        rows.append([str(name), n, still_open, hit, never])
        drill = {"figure": "callbacks", "reason": reason}
        drills.append(
            [
                None,
                drill,
                {**drill, "open": "1"},
                {**drill, "reached": "1"},
                {**drill, "reached": "0"},
            ]
        )
    return Table(
        "callbacks",
        "Callbacks by reason",
        ["Reason", "Callbacks", "Still open", "Reached", "Never connected"],
        rows,
        DEFINITIONS["reach_rate"],
        drills=drills,
    )


def drill_promises(f: Filters, what: dict) -> QuerySet:
    from django.db.models import Exists, OuterRef

    from helpline.callbacks.models import CallbackAttempt, CallbackStatus, Outcome

    if what.get("figure") == "appointments":
        rows = appointments(f)
        if what.get("status"):
            rows = rows.filter(status=what["status"])
        if what.get("kind"):
            rows = rows.filter(kind=what["kind"])
        return rows.filter(conversation__isnull=False).values("conversation_id")
    rows = callbacks(f)
    if what.get("reason"):
        rows = rows.filter(reason=what["reason"])
    if what.get("open") == "1":
        rows = rows.filter(status=CallbackStatus.OPEN)
    if what.get("reached") in ("0", "1"):
        reached = CallbackAttempt.objects.filter(callback=OuterRef("pk"), outcome=Outcome.REACHED)
        if what["reached"] == "1":
            rows = rows.filter(Exists(reached))
        else:
            rows = rows.filter(~Exists(reached), status=CallbackStatus.FAILED)
    return rows.filter(conversation__isnull=False).values("conversation_id")


# What customers experienced, for the perception gap (helpline.reports.perception)

DEFINITIONS.update(
    {
        "csat_good": "Of the customers' CSAT answers (1–5) given in the period about "
        "conversations under the filters, the share that rated us 4 or 5.",
        "first_contact": "Of the conversations solved in the period that got a response, the "
        "share solved with exactly one response from us and never reopened (the facts record "
        "any reopening; a conversation solved in the last 7 days may still be reopened).",
        "recovery": "Of the recovery cases (customers who had a bad experience) closed in the "
        "period with a known outcome, the share the customer's follow-up answer says we won "
        "back.",
    }
)


def _answers(f: Filters) -> QuerySet:
    from helpline.feedback.models import Answer, Kind

    since, until = _period(f)
    rows = Answer.objects.filter(kind=Kind.CSAT, answered_at__gte=since, answered_at__lt=until)
    if f.scope.location_ids is not None:
        rows = rows.filter(location_id__in=f.scope.location_ids)
    if f.scope.agent_id is not None:
        rows = rows.filter(agent_id=f.scope.agent_id)
    if f.location is not None:
        rows = rows.filter(location_id=f.location.pk)
    if f.team is not None:
        rows = rows.filter(team_id=f.team.pk)
    if f.agent is not None:
        rows = rows.filter(agent_id=f.agent.pk)
    if f.channel:
        rows = rows.filter(conversation__channel=f.channel)
    if f.tag:
        rows = rows.filter(conversation__tags__name=f.tag)
    return rows


def csat_good(f: Filters) -> Figure:
    from helpline.feedback.models import GOOD_FROM, Kind

    counts = _answers(f).aggregate(
        n=Count("pk"), good=Count("pk", filter=Q(score__gte=GOOD_FROM[Kind.CSAT]))
    )
    return _share(
        "csat_good",
        "Customers rating us 4 or 5",
        counts["good"],
        counts["n"],
        DEFINITIONS["csat_good"],
        {"figure": "csat_good"},
    )


def first_contact(f: Filters) -> Figure:
    counts = (
        f.solved()
        .filter(responses__gte=1)
        .aggregate(n=Count("pk"), first=Count("pk", filter=Q(responses=1, reopened=False)))
    )
    return _share(
        "first_contact",
        "Solved on the first contact",
        counts["first"],
        counts["n"],
        DEFINITIONS["first_contact"],
        {"figure": "first_contact"},
    )


def recovery_cases(f: Filters) -> QuerySet:
    from helpline.recovery.models import RecoveryCase

    since, until = _period(f)
    rows = RecoveryCase.objects.filter(closed_at__gte=since, closed_at__lt=until)
    return _promise_filter(f, rows, "owner_id")


def recovery(f: Filters) -> Figure:
    from helpline.recovery.models import Outcome

    counts = recovery_cases(f).aggregate(
        n=Count("pk", filter=Q(outcome__in=[Outcome.RECOVERED, Outcome.NOT_RECOVERED])),
        won=Count("pk", filter=Q(outcome=Outcome.RECOVERED)),
    )
    return _share(
        "recovery",
        "Bad experiences won back",
        counts["won"],
        counts["n"],
        DEFINITIONS["recovery"],
        {"figure": "recovery"},
    )


def drill_customers(f: Filters, what: dict) -> QuerySet:
    """The conversations behind the customer-side figures of the perception gap."""
    figure = what.get("figure")
    if figure == "csat_good":
        return _answers(f).filter(conversation__isnull=False).values("conversation_id")
    if figure == "recovery":
        return recovery_cases(f).filter(conversation__isnull=False).values("conversation_id")
    return f.solved().filter(responses__gte=1).values("conversation_id")
