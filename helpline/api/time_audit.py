"""/api/time: time entries (an agent logs their own; read with the desk's permissions) and
the weekly figures of an agent, a team or a location. A week runs Monday to Monday on the
caller's clock (their time zone in the desk)."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from helpline.api.pagination import Key, Ordering, PageParams, paginate
from helpline.api.schemas import ErrorOut, Moment
from helpline.core.errors import ActionError
from helpline.timeaudit import actions, figures, kinds, scope
from helpline.timeaudit.models import TimeEntry

router = Router(tags=["time audit"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LATEST_FIRST = Ordering("time entries", (Key("started_at", datetime=True), Key("id")))


class TimeEntryOut(Schema):
    id: int
    agent_id: int
    started_at: datetime
    seconds: int
    minutes: float
    kind: str
    title: str
    source: str
    conversation_id: int | None
    note: str
    customer_impacting: bool

    @staticmethod
    def resolve_customer_impacting(obj) -> bool:
        # Set by the endpoint from the rules read once (not a query per entry).
        rules = getattr(obj, "rules", None) or kinds.all_kinds()
        return kinds.touches_customer(rules, obj.kind)


class TimeEntryPage(Schema):
    items: list[TimeEntryOut]
    next_cursor: str | None


class TimeEntryIn(Schema):
    kind: str = Field(..., description="A kind agents log by hand: meeting, admin, training, …")
    minutes: int = Field(..., ge=1, le=actions.MAX_MANUAL_MINUTES)
    started_at: Moment | None = Field(None, description="Empty: it just ended")
    note: str = Field("", max_length=2000)


class EntryFilters(Schema):
    agent_id: int | None = Field(None, ge=1, description="Yours when empty")
    week: date | None = Field(None, description="Any day of the week; every week when empty")


class WeekFilters(Schema):
    agent_id: int | None = Field(None, ge=1)
    team_id: int | None = Field(None, ge=1)
    location_id: int | None = Field(None, ge=1)
    week: date | None = Field(None, description="Any day of the week; this week when empty")


class ShareOut(Schema):
    customer_seconds: int
    total_seconds: int
    customer_minutes: float
    total_minutes: float
    percent: int | None = Field(description="Customer-impacting share; null without any time")


class KindShareOut(ShareOut):
    kind: str
    label: str
    customer_impacting: bool


class TaskOut(Schema):
    name: str
    title: str = Field(description="A calendar event's title; empty for a kind")
    kind: str
    customer_impacting: bool
    seconds: int
    minutes: float
    entries: int
    weeks: int = Field(description=f"Of the last {figures.REVIEW_WEEKS} in which it took time")
    recurring: bool
    agents: int


class TrendOut(ShareOut):
    week: date


class AgentShareOut(ShareOut):
    agent_id: int


class WeekOut(Schema):
    week: date
    starts_at: datetime
    ends_at: datetime
    share: ShareOut
    by_kind: list[KindShareOut]
    sinks: list[TaskOut]
    trend: list[TrendOut]
    tasks: list[TaskOut]
    by_agent: list[AgentShareOut]


def _share(share: figures.Share) -> dict:
    return {
        "customer_seconds": share.customer_seconds,
        "total_seconds": share.total_seconds,
        "customer_minutes": share.customer_minutes,
        "total_minutes": share.total_minutes,
        "percent": share.percent,
    }


def _task(task: figures.Task) -> dict:
    return {
        "name": task.name,
        "title": task.title,
        "kind": task.kind,
        "customer_impacting": task.customer_impacting,
        "seconds": task.seconds,
        "minutes": task.minutes,
        "entries": task.entries,
        "weeks": task.weeks,
        "recurring": task.recurring,
        "agents": len(task.agents),
    }


@router.post("/time/entries", response={201: TimeEntryOut, **ERRORS})
def create_time_entry(request, payload: TimeEntryIn):
    """Log your own time by hand (a meeting, admin, training, stock, a break…)."""
    entry = actions.log_time(
        request.auth,
        kind=payload.kind,
        minutes=payload.minutes,
        started_at=payload.started_at,
        note=payload.note,
    )
    return Status(201, entry)


@router.get("/time/entries", response={200: TimeEntryPage, **ERRORS})
def list_time_entries(request, filters: Query[EntryFilters], page: Query[PageParams]) -> dict:
    """Time entries of one person (yours, or one you see), the latest first."""
    user = request.auth
    agent = scope.get_agent_for(user, filters.agent_id or user.pk)
    entries = TimeEntry.objects.filter(agent=agent)
    if filters.week is not None:
        start, end = figures.week_bounds(figures.monday(_day(filters.week)), user.zone())
        entries = entries.filter(started_at__gte=start, started_at__lt=end)
    result = paginate(entries, LATEST_FIRST, page)
    rules = kinds.all_kinds()
    for entry in result["items"]:
        entry.rules = rules
    return result


@router.get("/time/week", response={200: WeekOut, **ERRORS})
def time_week(request, filters: Query[WeekFilters]) -> dict:
    """A week's figures for one person (yours when nothing is named), a team or a location:
    the customer-impacting share with the seconds behind it, by kind, the largest
    administrative tasks, the trend of the last weeks, the task review and each person."""
    user = request.auth
    named = [
        name
        for name in ("agent_id", "team_id", "location_id")
        if getattr(filters, name) is not None
    ]
    if len(named) > 1:
        raise ActionError("name one of agent_id, team_id and location_id", named[1])
    if filters.team_id is not None:
        agent_ids = scope.team_agent_ids(scope.get_team_for(user, filters.team_id))
    elif filters.location_id is not None:
        agent_ids = scope.location_agent_ids(scope.get_location_for(user, filters.location_id))
    else:
        agent_ids = [scope.get_agent_for(user, filters.agent_id or user.pk).pk]
    zone = user.zone()
    day = _day(filters.week) if filters.week else timezone.localtime(timezone.now(), zone).date()
    week = figures.week(agent_ids, figures.monday(day), zone)
    by_kind = [
        {**_share(s), "kind": key, "label": label, "customer_impacting": impacting}
        for key, label, impacting, s in week.by_kind
    ]
    return {
        "week": week.first_day,
        "starts_at": week.start,
        "ends_at": week.end,
        "share": _share(week.share),
        "by_kind": by_kind,
        "sinks": [_task(t) for t in week.sinks],
        "trend": [{**_share(s), "week": d} for d, s in week.trend],
        "tasks": [_task(t) for t in week.tasks],
        "by_agent": [{**_share(s), "agent_id": a} for a, s in week.by_agent],
    }


def _day(day: date) -> date:
    if abs((day - timezone.localdate()).days) > 100 * 366:
        raise ActionError("within a hundred years of today", "week")
    return day
