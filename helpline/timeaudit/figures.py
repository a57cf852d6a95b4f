"""The weekly figures of a group of agents (one agent, a team, a location).

A week runs Monday 00:00 to the next Monday 00:00 on the viewer's clock. Every share is
shown with the minutes behind it; a week without any time has no share (never 0 %).
Everything is summed in seconds and rounded only for display.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helpline.timeaudit import kinds as kinds_module
from helpline.timeaudit.models import TimeEntry

TREND_WEEKS = 8  # the trend: this week and the seven before
REVIEW_WEEKS = 4  # a task is recurring when it took time in two of the last four weeks
SINKS = 5  # the largest administrative tasks shown


def minutes(seconds: int) -> float:
    """Minutes to a tenth, as the pages show them (a 40-second reply is 0.7 minutes)."""
    return round(seconds / 60, 1)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(first_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first_day, time(0), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=7), time(0), tzinfo=zone)
    return start, end


@dataclass
class Share:
    """Customer-impacting seconds out of all seconds."""

    customer_seconds: int = 0
    total_seconds: int = 0

    @property
    def admin_seconds(self) -> int:
        return self.total_seconds - self.customer_seconds

    @property
    def percent(self) -> int | None:
        if not self.total_seconds:
            return None
        return round(100 * self.customer_seconds / self.total_seconds)

    @property
    def customer_minutes(self) -> float:
        return minutes(self.customer_seconds)

    @property
    def admin_minutes(self) -> float:
        return minutes(self.admin_seconds)

    @property
    def total_minutes(self) -> float:
        return minutes(self.total_seconds)


@dataclass
class Task:
    name: str  # the calendar event's title, else the kind's label
    title: str
    kind: str
    kind_label: str
    customer_impacting: bool
    seconds: int = 0
    entries: int = 0
    weeks: int = 0  # of the last REVIEW_WEEKS in which it took time
    agents: set[int] = field(default_factory=set)

    @property
    def minutes(self) -> float:
        return minutes(self.seconds)

    @property
    def recurring(self) -> bool:
        return self.weeks >= 2


@dataclass
class Week:
    first_day: date
    start: datetime
    end: datetime
    share: Share
    by_kind: list[tuple[str, str, bool, Share]]  # key, label, customer-impacting, seconds
    sinks: list[Task]
    trend: list[tuple[date, Share]]  # oldest first, this week last
    tasks: list[Task]  # the task review: every task of the week, the most time first
    by_agent: list[tuple[int, Share]]


def week(agent_ids: list[int], first_day: date, zone: ZoneInfo) -> Week:
    """The figures of `agent_ids` for the week starting on `first_day` (a Monday)."""
    rules = kinds_module.all_kinds()
    start, end = week_bounds(first_day, zone)
    trend_start, _ = week_bounds(first_day - timedelta(weeks=TREND_WEEKS - 1), zone)
    rows = TimeEntry.objects.filter(
        agent_id__in=agent_ids, started_at__gte=trend_start, started_at__lt=end
    ).values_list("agent_id", "started_at", "seconds", "kind", "title")
    weeks = [first_day - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    bounds = [week_bounds(day, zone) for day in weeks]
    trend = {day: Share() for day in weeks}
    share = Share()
    per_kind: defaultdict[str, Share] = defaultdict(Share)
    per_agent: defaultdict[int, Share] = defaultdict(Share)
    tasks: dict[tuple[str, str], Task] = {}
    seen_in: dict[tuple[str, str], set[date]] = defaultdict(set)
    review_from = weeks[-REVIEW_WEEKS]
    for agent_id, started_at, seconds, kind, title in rows:
        impacting = kinds_module.touches_customer(rules, kind)
        day = next(d for d, (s, e) in zip(weeks, bounds, strict=True) if s <= started_at < e)
        _add(trend[day], seconds, impacting)
        task_key = (kind, title)
        if day >= review_from:
            seen_in[task_key].add(day)
        if day != first_day:
            continue
        _add(share, seconds, impacting)
        _add(per_kind[kind], seconds, impacting)
        _add(per_agent[agent_id], seconds, impacting)
        task = tasks.get(task_key)
        if task is None:
            label = kinds_module.label(rules, kind)
            task = tasks[task_key] = Task(title or label, title, kind, label, impacting)
        task.seconds += seconds
        task.entries += 1
        task.agents.add(agent_id)
    for task_key, task in tasks.items():
        task.weeks = len(seen_in[task_key])
    ordered = sorted(tasks.values(), key=lambda t: (-t.seconds, t.name))
    return Week(
        first_day=first_day,
        start=start,
        end=end,
        share=share,
        by_kind=[
            (
                kind,
                kinds_module.label(rules, kind),
                kinds_module.touches_customer(rules, kind),
                s,
            )
            for kind, s in sorted(per_kind.items(), key=lambda item: -item[1].total_seconds)
        ],
        sinks=[t for t in ordered if not t.customer_impacting][:SINKS],
        trend=list(trend.items()),
        tasks=ordered,
        by_agent=sorted(per_agent.items(), key=lambda item: -item[1].total_seconds),
    )


def _add(share: Share, seconds: int, impacting: bool) -> None:
    share.total_seconds += seconds
    if impacting:
        share.customer_seconds += seconds
