"""The weekly figures equal an independent computation: plain SQL over generated entries,
with weeks worked out here from the viewer's time zone, for an agent, a team and a location,
on the desk's page and in the API. Changing the rules changes the shares."""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

from helpline.core.models import Role, Team, User
from helpline.core.tokens import issue_token
from helpline.timeaudit import actions
from helpline.timeaudit.models import Source, TimeEntry

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"  # the viewer's: weeks start on Monday midnight there, not in UTC
WEEK = date(2026, 11, 23)  # a Monday
KINDS = ["call", "visit", "reply", "appointment", "meeting", "admin", "training", "stock"]
TITLES = ["", "", "Stock count", "Weekly sync"]
IMPACTING = {"call", "visit", "reply", "appointment"}


@pytest.fixture
def generated(north, south, admin):
    """Six agents in two locations and a team, entries over ten weeks around WEEK."""
    rng = random.Random(13)
    admin.time_zone = ZONE
    admin.save()
    agents = []
    for n in range(6):
        agent = User.objects.create_user(f"agent{n}", role=Role.AGENT)
        agent.locations.add(north if n < 4 else south)
        agents.append(agent)
    agents[3].locations.add(south)  # in both
    team = Team.objects.create(name="Floor", location=north)
    team.members.add(agents[0], agents[1], agents[4])
    start = datetime(2026, 9, 21, tzinfo=UTC)
    rows = []
    for n in range(900):
        kind = rng.choice(KINDS)
        rows.append(
            TimeEntry(
                agent=rng.choice(agents),
                started_at=start + timedelta(minutes=rng.randrange(0, 10 * 7 * 24 * 60)),
                seconds=rng.randrange(1, 3 * 3600),
                kind=kind,
                title=rng.choice(TITLES) if kind == "meeting" else "",
                source=Source.CALENDAR if kind == "meeting" else Source.MANUAL,
                source_key=f"gen:{n}",
                created_at=start,
            )
        )
    # Right on the week's edges in New York (05:00 UTC in winter): the first second is in.
    edge = datetime.combine(WEEK, time(0), tzinfo=ZoneInfo(ZONE))
    for n, moment in enumerate([edge, edge - timedelta(seconds=1), edge + timedelta(days=7)]):
        rows.append(
            TimeEntry(
                agent=agents[0],
                started_at=moment,
                seconds=600,
                kind="admin",
                source=Source.MANUAL,
                source_key=f"edge:{n}",
                created_at=start,
            )
        )
    TimeEntry.objects.bulk_create(rows)
    return {"agents": agents, "team": team, "north": north, "south": south, "admin": admin}


def bounds(monday: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(ZONE)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    end_day = monday + timedelta(days=7)
    return start, datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone)


def members(sql: str, pk: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        return sorted(row[0] for row in cursor.fetchall())


def sql_week(agent_ids: list[int], monday: date, impacting=frozenset(IMPACTING)) -> dict:
    """What the week should say, from the table alone."""
    start, end = bounds(monday)
    marks = ", ".join(["%s"] * len(agent_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, title, agent_id, SUM(seconds), COUNT(*) FROM timeaudit_timeentry "
            f"WHERE agent_id IN ({marks}) AND started_at >= %s AND started_at < %s "
            f"GROUP BY kind, title, agent_id",
            [*agent_ids, *(connection.ops.adapt_datetimefield_value(m) for m in (start, end))],
        )
        rows = cursor.fetchall()
    total = sum(r[3] for r in rows)
    customer = sum(r[3] for r in rows if r[0] in impacting)
    tasks = defaultdict(int)
    by_kind = defaultdict(int)
    for kind, title, _, seconds, _ in rows:
        tasks[(kind, title)] += seconds
        by_kind[kind] += seconds
    return {"total": total, "customer": customer, "tasks": dict(tasks), "by_kind": dict(by_kind)}


def shown_minutes(seconds: int) -> str:
    """Minutes as the page writes them: to a tenth, without a trailing ".0"."""
    text = f"{seconds / 60:.1f}"
    return text.removesuffix(".0")


def page_week(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    return response.context["week"], response.content.decode()


@pytest.mark.parametrize("who", ["agent", "team", "location"])
def test_the_week_equals_plain_sql(generated, who):
    agents, team, north = generated["agents"], generated["team"], generated["north"]
    if who == "agent":
        ids, path, query = [agents[0].pk], f"agents/{agents[0].pk}", f"agent_id={agents[0].pk}"
    elif who == "team":
        ids = members("SELECT user_id FROM core_team_members WHERE team_id = %s", team.pk)
        path, query = f"teams/{team.pk}", f"team_id={team.pk}"
    else:
        ids = members("SELECT user_id FROM core_user_locations WHERE location_id = %s", north.pk)
        path, query = f"locations/{north.pk}", f"location_id={north.pk}"
    client = Client()
    client.force_login(generated["admin"])
    week, body = page_week(client, f"/time/{path}/?week=2026-11-26")  # a Thursday of WEEK
    expected = sql_week(ids, WEEK)
    assert expected["total"] > 0
    assert week.first_day == WEEK
    assert (week.share.customer_seconds, week.share.total_seconds) == (
        expected["customer"],
        expected["total"],
    )
    shown = f"{shown_minutes(expected['customer'])} of {shown_minutes(expected['total'])} minutes"
    assert shown in body
    assert f"{round(100 * expected['customer'] / expected['total'])} %" in body
    assert {key: s.total_seconds for key, _, _, s in week.by_kind} == expected["by_kind"]
    # The task review: each task's time; the sinks are the largest administrative ones.
    assert {(t.kind, t.title): t.seconds for t in week.tasks} == expected["tasks"]
    admin_tasks = sorted(
        (s for (k, _), s in expected["tasks"].items() if k not in IMPACTING), reverse=True
    )
    assert [t.seconds for t in week.sinks] == admin_tasks[:5]
    # The trend: each of the eight weeks, from its own query.
    for day, share in week.trend:
        again = sql_week(ids, day)
        assert (share.customer_seconds, share.total_seconds) == (again["customer"], again["total"])
    assert [day for day, _ in week.trend] == [WEEK - timedelta(weeks=n) for n in range(7, -1, -1)]
    # The API says the same.
    api = Client(headers={"Authorization": f"Bearer {issue_token(generated['admin'])}"})
    data = api.get(f"/api/time/week?{query}&week=2026-11-29").json()
    assert data["week"] == "2026-11-23"
    assert (data["share"]["customer_seconds"], data["share"]["total_seconds"]) == (
        expected["customer"],
        expected["total"],
    )
    assert [(t["week"], t["customer_seconds"], t["total_seconds"]) for t in data["trend"]] == [
        (day.isoformat(), again["customer"], again["total"])
        for day, again in ((d, sql_week(ids, d)) for d, _ in week.trend)
    ]
    assert {(t["kind"], t["title"]): t["seconds"] for t in data["tasks"]} == expected["tasks"]
    review, _ = page_week(client, f"/time/{path}/review/?week=2026-11-23")
    assert sum(t.seconds for t in review.tasks) == expected["total"]


def test_the_rules_change_the_shares(generated):
    agent = generated["agents"][1]
    admin = generated["admin"]
    client = Client()
    client.force_login(admin)
    before, _ = page_week(client, f"/time/agents/{agent.pk}/?week=2026-11-23")
    assert before.share.customer_seconds == sql_week([agent.pk], WEEK)["customer"]
    # Meetings now touch customers, replies no longer do.
    chosen = (IMPACTING - {"reply"}) | {"meeting"}
    response = client.post("/settings/time/", {"customer_impacting": sorted(chosen)})
    assert response.status_code == 302
    after, body = page_week(client, f"/time/agents/{agent.pk}/?week=2026-11-23")
    expected = sql_week([agent.pk], WEEK, frozenset(chosen))
    assert after.share.customer_seconds == expected["customer"] != before.share.customer_seconds
    assert after.share.total_seconds == before.share.total_seconds
    assert all(t.customer_impacting == (t.kind in chosen) for t in after.tasks)


def test_a_kind_of_ones_own_is_logged_and_classified(admin, agent_north):
    client = Client()
    client.force_login(admin)
    refused = client.post("/settings/time/new/", {"label": "Meetings"})
    assert refused.status_code == 400
    assert 'id="id_label_error"' in refused.content.decode()
    client.post("/settings/time/new/", {"label": "Shop floor tidying", "customer_impacting": ""})
    entry = actions.log_time(agent_north, kind="shop-floor-tidying", minutes=30)
    assert entry.kind == "shop-floor-tidying"
    agent = Client()
    agent.force_login(agent_north)
    week, body = page_week(agent, "/time/")
    assert week.share.total_seconds == 1800 and week.share.customer_seconds == 0
    assert "Shop floor tidying" in body


def test_a_week_without_time_has_no_share(agent_north):
    client = Client()
    client.force_login(agent_north)
    week, body = page_week(client, "/time/?week=2020-01-01")
    assert week.share.percent is None
    assert "No time recorded this week." in body
    assert client.get("/time/?week=2020-13-01").status_code == 400
    assert client.get("/time/?week=２０２０-01-01").status_code == 400
