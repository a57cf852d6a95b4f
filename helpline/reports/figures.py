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
        """The period of the same length just before (the same object each time asked),
        marked as a comparison: its figures need no day-by-day reads."""

        def earlier():
            before = replace(
                self,
                start=self.start - timedelta(days=self.days),
                end=self.start - timedelta(days=1),
            )
            before.memo("comparison", lambda: True)
            return before

        return self.memo("previous", earlier)

    def memo(self, key, compute):
        """`compute()` once per Filters (a request's): what several figures read."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = compute()
        return memo[key]

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
    low: float | None = None  # 95% interval: Wilson of a share, normal of an NPS
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
    units: list[str] = field(default_factory=list)  # per column, when they differ


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


def time_figures(f: Filters, measure: str, clocks=("business", "wall")) -> list[Figure]:
    """Median and 90th percentile of a time, in business and in wall time (or `clocks`)."""
    label, _, business, wall = MEASURES[measure]
    figures = []
    for clock, column in (("business", business), ("wall", wall)):
        if clock not in clocks:
            continue
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

SAY_FIGURES = ("nps", "ces", "response_rate", "sentiment", "theme")


def drill(f: Filters, what: dict, now: datetime | None = None) -> QuerySet:
    """Ids of the conversations behind a figure or a cell (`what` as the figures give it)."""
    figure = what.get("figure", "new")
    if figure in ("callbacks", "appointments"):
        return drill_promises(f, what)
    if figure in ("csat_good", "first_contact", "recovery") + SAY_FIGURES:
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

REPORTS = {
    "volume": "Volume",
    "responsiveness": "Responsiveness",
    "promises": "Promises",
    "say": "What customers say",
}


def headlines_of(report: str, f: Filters) -> list[Figure]:
    compute = {
        "volume": volume_headlines,
        "responsiveness": responsiveness_headlines,
        "promises": promises_headlines,
        "say": say_headlines,
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
    if report == "say":
        return say_tables(f)
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
    from helpline.callbacks.models import CallbackAttempt, Outcome

    rows = callbacks(f)
    tried = sorted(
        max(0, int((first - created).total_seconds()))
        for created, first in rows.annotate(first=Min("tries__at"))
        .filter(first__isnull=False)
        .values_list("created_at", "first")
    )
    counts = _callbacks_done(f)
    reached = CallbackAttempt.objects.filter(callback=OuterRef("pk"), outcome=Outcome.REACHED)
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
        reach_rate(f, counts),
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


def _callbacks_done(f: Filters) -> dict:
    """Of the period's callbacks no longer open: how many, how many reached the customer, and
    how many failed without ever reaching them."""
    from django.db.models import Exists, OuterRef

    from helpline.callbacks.models import CallbackAttempt, CallbackStatus, Outcome

    reached = CallbackAttempt.objects.filter(callback=OuterRef("pk"), outcome=Outcome.REACHED)
    return (
        callbacks(f)
        .exclude(status=CallbackStatus.OPEN)
        .aggregate(
            n=Count("pk"),
            reached=Count("pk", filter=Q(Exists(reached))),
            never=Count("pk", filter=~Q(Exists(reached)) & Q(status=CallbackStatus.FAILED)),
        )
    )


def reach_rate(f: Filters, counts: dict | None = None) -> Figure:
    counts = counts or _callbacks_done(f)
    return _share(
        "reach_rate",
        "Callbacks that reached the customer",
        counts["reached"],
        counts["n"],
        DEFINITIONS["reach_rate"],
        {"figure": "callbacks", "reached": "1"},
    )


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


def _answers(f: Filters, kind: str | None = "csat") -> QuerySet:
    """Survey answers given in the period (of one kind, or of every kind with None)."""
    from helpline.feedback.models import Answer

    since, until = _period(f)
    rows = Answer.objects.filter(answered_at__gte=since, answered_at__lt=until)
    if kind is not None:
        rows = rows.filter(kind=kind)
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


def csat_good(f: Filters, counts: dict | None = None) -> Figure:
    """CSAT: answers of 4 or 5 of all CSAT answers (from `answer_counts` when given)."""
    from helpline.feedback.models import GOOD_FROM, Kind

    scores = _scores(answer_counts(f, Kind.CSAT) if counts is None else counts, Kind.CSAT)
    n = sum(scores.values())
    good = sum(v for score, v in scores.items() if score >= GOOD_FROM[Kind.CSAT])
    return _share(
        "csat_good",
        "Customers rating us 4 or 5",
        good,
        n,
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


def recovery_counts(f: Filters) -> dict[str, int]:
    """outcome → recovery cases closed in the period."""
    return f.memo(
        "recovery",
        lambda: dict(recovery_cases(f).values_list("outcome").annotate(n=Count("pk")).order_by()),
    )


def recovery(f: Filters) -> Figure:
    from helpline.recovery.models import Outcome

    counts = recovery_counts(f)
    won = counts.get(Outcome.RECOVERED, 0)
    return _share(
        "recovery",
        "Bad experiences won back",
        won,
        won + counts.get(Outcome.NOT_RECOVERED, 0),
        DEFINITIONS["recovery"],
        {"figure": "recovery"},
    )


def drill_customers(f: Filters, what: dict) -> QuerySet:
    """The conversations behind the customer-side figures (the perception gap, and what
    customers say)."""
    figure = what.get("figure")
    value = what.get("value", "")
    f = _drill_window(f, what)
    if figure in ("csat_good", "nps", "ces"):
        from helpline.feedback.models import BAD_UP_TO, GOOD_FROM, Kind

        kind = {"csat_good": Kind.CSAT, "nps": Kind.NPS, "ces": Kind.CES}[figure]
        rows = _answers(f, kind)
        if value in ("good", "promoter", "easy"):
            rows = rows.filter(score__gte=GOOD_FROM[kind])
        elif value == "detractor":
            rows = rows.filter(score__lte=BAD_UP_TO[kind])
        return rows.filter(conversation__isnull=False).values("conversation_id")
    if figure == "response_rate":
        from helpline.feedback.models import SurveyStatus

        rows = surveys_sent(f)
        if value == "answered":
            rows = rows.filter(status=SurveyStatus.ANSWERED)
        return rows.filter(conversation__isnull=False).values("conversation_id")
    if figure == "sentiment":
        rows = _scored_messages(f)
        if value in SENTIMENT_BANDS:
            rows = rows.filter(_band_condition(value))
        return rows.filter(conversation__isnull=False).values("conversation_id")
    if figure == "theme":
        rows = texts(f).filter(theme_id=int(value))
        return rows.filter(conversation__isnull=False).values("conversation_id")
    if figure == "recovery":
        from helpline.recovery.models import Outcome

        cases = recovery_cases(f)
        if value in Outcome.values:
            cases = cases.filter(outcome=value)
        else:  # the cases the rate is made of
            cases = cases.filter(outcome__in=[Outcome.RECOVERED, Outcome.NOT_RECOVERED])
        return cases.filter(conversation__isnull=False).values("conversation_id")
    return f.solved().filter(responses__gte=1).values("conversation_id")


def _drill_window(f: Filters, what: dict) -> Filters:
    """The filters narrowed to one day or one week (from its Monday) of a trend."""
    if what.get("day"):
        day = date.fromisoformat(what["day"])
        return replace(f, start=max(f.start, day), end=min(f.end, day))
    if what.get("week"):
        monday = date.fromisoformat(what["week"])
        return replace(f, start=max(f.start, monday), end=min(f.end, monday + timedelta(days=6)))
    return f


# What customers say (issue #13): their survey answers, the sentiment and themes of their
# own words, and the bad experiences won back, under the reports' filters. Survey answers,
# surveys and texts are counted by the local day (the desk's time zone) they were given,
# sent or written; a trend goes by day for two weeks or less, by week (from Monday) beyond.

SAY_DAILY_UP_TO = 14  # days
TOP_THEMES = 10
CHART_THEMES = 5
SENTIMENT_BANDS = ("negative", "neutral", "positive")
NEUTRAL_BAND = 0.05  # helpline.insights.sentiment: |compound| < 0.05 is neutral
_FILTERS_NOTE = (
    " The location, team and agent filters pick the survey answer's own location, team "
    "and agent (credited when it was first answered); the channel and tag filters pick its "
    "conversation's, and leave out answers given at a walk-in kiosk (they have none)."
)
_CONVERSATION_NOTE = (
    " The location filter picks the {what}'s location; team, agent, channel and tag pick "
    "its conversation's (its assignee for the agent), and leave out {those} without one."
)
DEFINITIONS["csat_good"] += _FILTERS_NOTE
DEFINITIONS.update(
    {
        "nps": "Of the customers' NPS answers (0–10) given in the period, the share of "
        "promoters (9 or 10) minus the share of detractors (0 to 6), from −100 to 100. Its 95% "
        "interval is a normal approximation: each answer scores +1 (promoter), 0 or −1 "
        "(detractor), the NPS is 100 × their mean, and the interval is that mean ± 1.96 "
        "standard errors (the scores' standard deviation over √n). With fewer than 30 answers "
        "it is too narrow to trust (one answer gives it no width at all)." + _FILTERS_NOTE,
        "ces": "Of the customers' CES answers (1–7: “the company made it easy to handle my "
        "issue”) given in the period, the share that agreed: 5, 6 or 7, with its Wilson 95% "
        "interval; the trend shows the mean score beside it." + _FILTERS_NOTE,
        "response_rate": "Of the surveys sent in the period (after a contact, or a recovery "
        "follow-up; the walk-in kiosk sends none), the share the customer has answered so "
        "far: a survey sent near the end of the period may still be answered."
        + _CONVERSATION_NOTE.format(what="survey", those="surveys"),
        "sentiment": "Customers' own messages (not automatic replies) written in the period, "
        "by their sentiment as the model read it (the VADER compound score, −1 to 1): "
        "negative at −0.05 or less, positive at 0.05 or more, neutral between; the headline's "
        "share with its Wilson 95% interval. Messages in a language no model reads have no score "
        "and are not counted." + _CONVERSATION_NOTE.format(what="message", those="messages"),
        "themes": "Customers' messages and survey comments written in the period, by the "
        "theme they were given (see Themes; a merged theme counts under the one it joined), "
        "against the previous period of the same length. Texts without a theme yet are not "
        "counted." + _CONVERSATION_NOTE.format(what="text", those="kiosk comments"),
        "recovery_outcomes": "The recovery cases closed in the period, by their outcome: the "
        "rate is recovered / (recovered + not recovered); a case whose follow-up went "
        "unanswered for 14 days (unknown) or is still awaited is not in it. The agent filter "
        "picks the case's owner; team, channel and tag pick its conversation's.",
    }
)
DEFINITIONS["theme"] = DEFINITIONS["themes"]  # a theme's drill-down
_TREND_NOTE = (
    " The trend goes by day for a range of two weeks or less, by week (from Monday) beyond, "
    "each day in the desk's time zone; its last row is the whole period."
)
DEFINITIONS["recovery"] += (
    " The agent filter picks the case's owner; team, channel and tag pick its conversation's."
)


def say_period(f: Filters) -> str:
    return "day" if f.days <= SAY_DAILY_UP_TO else "week"


def _bucket(day: date, period: str) -> date:
    return day - timedelta(days=day.weekday()) if period == "week" else day


def _local_day(column: str):
    from django.db.models.functions import TruncDate

    return TruncDate(column, tzinfo=timezone.get_current_timezone())


def answer_counts(f: Filters, kind: str | None = None) -> dict[tuple[str, date, int], int]:
    """(kind, local day, score) → how many answers: one grouped read for every survey figure
    and trend of the period."""

    def read():
        rows = (
            _answers(f, kind)
            .annotate(day=_local_day("answered_at"))
            .values_list("kind", "day", "score")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {(k, day, score): n for k, day, score, n in rows}

    return f.memo(("answers", kind), read)


def _scores(counts: dict, kind: str, days=None) -> dict[int, int]:
    """score → answers of one kind (on the given days only, when given)."""
    scores: dict[int, int] = defaultdict(int)
    for (k, day, score), n in counts.items():
        if k == kind and (days is None or day in days):
            scores[score] += n
    return scores


def nps_value(scores: dict[int, int]) -> tuple[float | None, float | None, float | None, int]:
    """(NPS, 95% low, high, n) of score → answers: promoters +1, passives 0, detractors −1;
    the normal approximation with those scores' variance, within −100 and 100."""
    from helpline.feedback.models import BAD_UP_TO, GOOD_FROM, Kind

    n = sum(scores.values())
    if not n:
        return None, None, None, 0
    promoters = sum(v for s, v in scores.items() if s >= GOOD_FROM[Kind.NPS])
    detractors = sum(v for s, v in scores.items() if s <= BAD_UP_TO[Kind.NPS])
    mean = (promoters - detractors) / n
    variance = max(0.0, (promoters + detractors) / n - mean * mean)
    half = Z95 * math.sqrt(variance / n)
    return 100 * mean, max(-100.0, 100 * (mean - half)), min(100.0, 100 * (mean + half)), n


def nps(f: Filters, counts: dict | None = None) -> Figure:
    from helpline.feedback.models import Kind

    scores = _scores(answer_counts(f, Kind.NPS) if counts is None else counts, Kind.NPS)
    value, low, high, n = nps_value(scores)
    return Figure(
        "nps", "Net promoter score", value, n, "nps", DEFINITIONS["nps"], low, high,
        drill={"figure": "nps"},
    )  # fmt: skip


def ces_easy(f: Filters, counts: dict | None = None) -> Figure:
    from helpline.feedback.models import GOOD_FROM, Kind

    scores = _scores(answer_counts(f, Kind.CES) if counts is None else counts, Kind.CES)
    easy = sum(v for s, v in scores.items() if s >= GOOD_FROM[Kind.CES])
    return _share(
        "ces",
        "Customers who found it easy (CES 5–7)",
        easy,
        sum(scores.values()),
        DEFINITIONS["ces"],
        {"figure": "ces", "value": "easy"},
    )


SENT_STATUSES = ("sent", "answered", "withdrawn")  # as helpline.feedback.figures counts them


def surveys_sent(f: Filters) -> QuerySet:
    from helpline.feedback.models import Purpose, Survey

    since, until = _period(f)
    rows = Survey.objects.filter(
        sent_at__gte=since, sent_at__lt=until, status__in=SENT_STATUSES
    ).exclude(purpose=Purpose.KIOSK)
    return _promise_filter(f, rows, "conversation__assignee_id")


def sent_counts(f: Filters) -> dict[tuple[date, bool], int]:
    """(local day sent, answered) → surveys."""
    from helpline.feedback.models import SurveyStatus

    def read():
        counts: dict[tuple[date, bool], int] = defaultdict(int)
        for day, status, n in (
            surveys_sent(f)
            .annotate(day=_local_day("sent_at"))
            .values_list("day", "status")
            .annotate(n=Count("sent_at"))  # from the index alone
            .order_by()
        ):
            counts[(day, status == SurveyStatus.ANSWERED)] += n
        return counts

    return f.memo("sent", read)


def response_rate(f: Filters, counts: dict | None = None) -> Figure:
    counts = sent_counts(f) if counts is None else counts
    return _share(
        "response_rate",
        "Surveys answered",
        sum(n for (_, answered), n in counts.items() if answered),
        sum(counts.values()),
        DEFINITIONS["response_rate"],
        {"figure": "response_rate", "value": "answered"},
    )


def texts(f: Filters) -> QuerySet:
    """The customers' texts (messages and survey comments) written in the period."""
    from helpline.insights.models import Text

    since, until = _period(f)
    rows = Text.objects.filter(written_at__gte=since, written_at__lt=until)
    return _promise_filter(f, rows, "conversation__assignee_id")


def _scored_messages(f: Filters) -> QuerySet:
    from helpline.insights.models import Source

    return texts(f).filter(source=Source.MESSAGE, compound__isnull=False)


def _band_condition(band: str) -> Q:
    if band == "negative":
        return Q(compound__lte=-NEUTRAL_BAND)
    if band == "positive":
        return Q(compound__gte=NEUTRAL_BAND)
    return Q(compound__gt=-NEUTRAL_BAND, compound__lt=NEUTRAL_BAND)


def _text_aggregates() -> dict:
    """Per group of texts: the customers' scored messages by band, and every text."""
    from helpline.insights.models import Source

    # written_at: never empty, and in the index the period is read from (no row is fetched)
    message = Q(source=Source.MESSAGE)
    return {
        band: Count("written_at", filter=message & _band_condition(band))
        for band in SENTIMENT_BANDS
    } | {"texts": Count("written_at")}


def text_counts(f: Filters) -> dict[tuple[date, int | None], list[int]]:
    """(local day written, theme or None) → [negative, neutral, positive messages, texts]:
    one grouped read of the period's texts (every column from one index) for the sentiment
    and the themes."""

    def read():
        rows = (
            texts(f)
            .annotate(day=_local_day("written_at"))
            .values_list("day", "theme_id")
            .annotate(**_text_aggregates())
            .values_list("day", "theme_id", *SENTIMENT_BANDS, "texts")
            .order_by()
        )
        return {(day, theme): counts for day, theme, *counts in rows}

    return f.memo("texts", read)


def text_totals(f: Filters) -> dict[int | None, list[int]]:
    """theme or None → [negative, neutral, positive messages, texts] of the whole period:
    from the day-by-day read when there is one; for the period a figure is compared with,
    a lighter read without the days."""

    def read():
        if not f.memo("comparison", lambda: False):
            totals: dict = defaultdict(lambda: [0, 0, 0, 0])
            for (_, theme), counts in text_counts(f).items():
                totals[theme] = [a + b for a, b in zip(totals[theme], counts, strict=True)]
            return dict(totals)
        rows = (
            texts(f)
            .values_list("theme_id")
            .annotate(**_text_aggregates())
            .values_list("theme_id", *SENTIMENT_BANDS, "texts")
            .order_by()
        )
        return {theme: counts for theme, *counts in rows}

    return f.memo("text_totals", read)


def sentiment_counts(f: Filters) -> dict[tuple[date, str], int]:
    """(local day written, band) → the customers' scored messages."""
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for (day, _), values in text_counts(f).items():
        for band, n in zip(SENTIMENT_BANDS, values, strict=False):
            counts[(day, band)] += n
    return counts


def negative_messages(f: Filters) -> Figure:
    totals = text_totals(f).values()
    return _share(
        "negative_messages",
        "Customers' messages that are negative",
        sum(counts[0] for counts in totals),
        sum(sum(counts[:3]) for counts in totals),
        DEFINITIONS["sentiment"],
        {"figure": "sentiment", "value": "negative"},
    )


def say_headlines(f: Filters) -> list[Figure]:
    answers = answer_counts(f)
    return [
        csat_good(f, answers),
        nps(f, answers),
        ces_easy(f, answers),
        response_rate(f),
        negative_messages(f),
        recovery(f),
    ]


def _trend_rows(f: Filters, period: str, values) -> tuple[list, list]:
    """Rows and drills of a trend table: one per day or week, then the period's total.
    `values(days)` gives (row values, drills) for a set of days."""
    rows, drills = [], []
    for start in _periods(f, period):
        days = {start + timedelta(days=i) for i in range(7 if period == "week" else 1)}
        row, drill = values(days, {period: start.isoformat()})
        rows.append([start.isoformat(), *row])
        drills.append([None, *drill])
    row, drill = values(None, {})
    rows.append(["Total", *row])
    drills.append([None, *drill])
    return rows, drills


def _few(n: int) -> str:
    return "fewer than 30" if n < FEW else ""


def survey_trend(f: Filters, kind: str, counts: dict | None = None) -> Table:
    """A survey's score per day or week of the period, with n and its 95% interval."""
    from helpline.feedback.models import BAD_UP_TO, GOOD_FROM, Kind

    counts = answer_counts(f, kind) if counts is None else counts
    period = say_period(f)
    figure = {Kind.CSAT: "csat_good", Kind.NPS: "nps", Kind.CES: "ces"}[Kind(kind)]

    def values(days, when):
        scores = _scores(counts, kind, days)
        n = sum(scores.values())
        every = {"figure": figure, **when}
        if kind == Kind.NPS:
            value, low, high, _ = nps_value(scores)
            promoters = sum(v for s, v in scores.items() if s >= GOOD_FROM[Kind.NPS])
            detractors = sum(v for s, v in scores.items() if s <= BAD_UP_TO[Kind.NPS])
            row = [n, promoters, detractors, value, low, high, _few(n)]
            drill = [
                every,
                {**every, "value": "promoter"},
                {**every, "value": "detractor"},
                every,
                None,
                None,
                None,
            ]
            return row, drill
        good = sum(v for s, v in scores.items() if s >= GOOD_FROM[Kind(kind)])
        low, high = wilson(good, n)
        row = [n, good, good / n if n else None, low, high]
        if kind == Kind.CES:
            total = sum(s * v for s, v in scores.items())
            row.append(round(total / n, 2) if n else None)
        word = "good" if kind == Kind.CSAT else "easy"
        drill = [every, {**every, "value": word}, every, None, None]
        return row + [_few(n)], drill + [None] * (len(row) - 4)

    rows, drills = _trend_rows(f, period, values)
    name = {Kind.CSAT: "CSAT", Kind.NPS: "NPS", Kind.CES: "CES"}[Kind(kind)]
    if kind == Kind.NPS:
        columns = ["Answers (n)", "Promoters", "Detractors", "NPS", "95% from", "95% to"]
        units = ["count", "count", "count", "nps", "nps", "nps"]
    else:
        good = "Rated 4 or 5" if kind == Kind.CSAT else "Easy (5–7)"
        columns = ["Answers (n)", good, name if kind == Kind.CSAT else "Easy", "95% from", "95% to"]
        units = ["count", "count", "share", "share", "share"]
        if kind == Kind.CES:
            columns.append("Mean score (1–7)")
            units.append("ratio")
    return Table(
        f"{kind}_trend",
        f"{name} per {period}",
        [period.capitalize(), *columns, "Note"],
        rows,
        DEFINITIONS[figure] + _TREND_NOTE,
        unit="columns",
        drills=drills,
        units=["text", *units, "text"],
    )


def response_trend(f: Filters, counts: dict | None = None) -> Table:
    counts = sent_counts(f) if counts is None else counts
    period = say_period(f)

    def values(days, when):
        sent = sum(n for (day, _), n in counts.items() if days is None or day in days)
        answered = sum(
            n for (day, yes), n in counts.items() if yes and (days is None or day in days)
        )
        low, high = wilson(answered, sent)
        every = {"figure": "response_rate", **when}
        row = [sent, answered, answered / sent if sent else None, low, high, _few(sent)]
        return row, [every, {**every, "value": "answered"}, None, None, None, None]

    rows, drills = _trend_rows(f, period, values)
    return Table(
        "response_rate_trend",
        f"Survey response rate per {period}",
        [period.capitalize(), "Sent (n)", "Answered", "Response rate", "95% from", "95% to"]
        + ["Note"],
        rows,
        DEFINITIONS["response_rate"] + _TREND_NOTE,
        unit="columns",
        drills=drills,
        units=["text", "count", "count", "share", "share", "share", "text"],
    )


def sentiment_trend(f: Filters, counts: dict | None = None) -> Table:
    counts = sentiment_counts(f) if counts is None else counts
    period = say_period(f)

    def values(days, when):
        by_band = {
            band: sum(
                n for (day, b), n in counts.items() if b == band and (days is None or day in days)
            )
            for band in SENTIMENT_BANDS
        }
        n = sum(by_band.values())
        every = {"figure": "sentiment", **when}
        shares = [by_band[band] / n if n else None for band in SENTIMENT_BANDS]
        drills = [every, *({**every, "value": band} for band in SENTIMENT_BANDS), None]
        return [n, *shares, _few(n)], drills

    rows, drills = _trend_rows(f, period, values)
    return Table(
        "sentiment_trend",
        f"Sentiment of customers' messages per {period}",
        [period.capitalize(), "Messages (n)", "Negative", "Neutral", "Positive", "Note"],
        rows,
        DEFINITIONS["sentiment"] + _TREND_NOTE,
        unit="columns",
        drills=drills,
        units=["text", "count", "share", "share", "share", "text"],
    )


def theme_counts(f: Filters) -> dict[tuple[int, date], int]:
    """(theme, local day written) → the customers' texts of the period with a theme."""
    return {
        (theme, day): counts[3]
        for (day, theme), counts in text_counts(f).items()
        if theme is not None and counts[3]
    }


def theme_tables(f: Filters) -> list[Table]:
    """The top themes of the period with their change, and their trend."""
    from helpline.insights.models import Theme

    counts = theme_counts(f)
    totals: dict[int, int] = defaultdict(int)
    for (theme, _), n in counts.items():
        totals[theme] += n
    before = {
        theme: counts[3] for theme, counts in text_totals(f.previous()).items() if theme is not None
    }
    names = dict(Theme.objects.filter(pk__in=set(totals)).values_list("pk", "name"))
    top = sorted(totals, key=lambda t: (-totals[t], names.get(t, ""), t))[:TOP_THEMES]
    previous = f.previous()
    rows, drills = [], []
    for theme in top:
        earlier = before.get(theme, 0)
        rows.append(
            [names.get(theme, f"#{theme}"), totals[theme], earlier, totals[theme] - earlier]
        )
        drill = {"figure": "theme", "value": str(theme)}
        drills.append(
            [
                None,
                drill,
                {**drill, "start": previous.start.isoformat(), "end": previous.end.isoformat()},
                None,
            ]
        )
    top_table = Table(
        "themes",
        f"Top themes ({min(len(totals), TOP_THEMES)} of {len(totals)})",
        ["Theme", "Texts", "Previous period", "Change"],
        rows,
        DEFINITIONS["themes"],
        unit="columns",
        drills=drills,
        units=["text", "count", "count", "change"],
    )
    period = say_period(f)
    shown = top[:CHART_THEMES]

    def values(days, when):
        row = [
            sum(n for (t, day), n in counts.items() if t == theme and (days is None or day in days))
            for theme in shown
        ]
        every = sum(n for (_, day), n in counts.items() if days is None or day in days)
        drills = [{"figure": "theme", "value": str(t), **when} for t in shown]
        return [*row, every - sum(row), every], [*drills, None, None]

    trend_rows, trend_drills = _trend_rows(f, period, values)
    trend = Table(
        "themes_trend",
        f"The top {len(shown)} themes per {period}",
        [period.capitalize(), *(names.get(t, f"#{t}") for t in shown), "Other themes", "All"],
        trend_rows,
        DEFINITIONS["themes"] + _TREND_NOTE,
        drills=trend_drills,
    )
    return [top_table, trend]


def recovery_outcomes(f: Filters) -> Table:
    from helpline.recovery.models import Outcome

    counts = recovery_counts(f)
    order = [Outcome.RECOVERED, Outcome.NOT_RECOVERED, Outcome.UNKNOWN, Outcome.WAITING]
    return Table(
        "recovery_outcomes",
        "Recovery cases closed in the period, by outcome",
        ["Outcome", "Cases"],
        [[str(o.label), counts.get(o.value, 0)] for o in order],
        DEFINITIONS["recovery_outcomes"],
        drills=[[None, {"figure": "recovery", "value": o.value}] for o in order],
    )


def say_tables(f: Filters) -> list[Table]:
    from helpline.feedback.models import Kind

    answers = answer_counts(f)
    return [
        survey_trend(f, Kind.CSAT, answers),
        survey_trend(f, Kind.NPS, answers),
        survey_trend(f, Kind.CES, answers),
        response_trend(f),
        sentiment_trend(f),
        *theme_tables(f),
        recovery_outcomes(f),
    ]
