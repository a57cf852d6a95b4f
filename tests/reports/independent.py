"""Every report figure again, from plain SQL over the base tables (conversations, messages,
waits, SLA events, tags; never the facts), aggregated here by the definitions written out
anew: the nearest-rank percentile, the location's local day, the age buckets."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from helpline.reports.figures import AGE_BUCKETS, TIME_BUCKETS, Filters


def _dt(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    parsed = parse_datetime(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def conversations(f: Filters) -> list[dict]:
    """The conversations the viewer's filters keep (dates aside), with their local start."""
    tagged = {
        cid
        for (cid,) in _rows(
            "SELECT ct.conversation_id FROM conversations_conversation_tags ct "
            f"JOIN conversations_tag t ON t.id = ct.tag_id WHERE t.name = '{f.tag}'"
        )
    }
    kept = []
    for (
        cid,
        location_id,
        zone,
        team_id,
        assignee_id,
        channel,
        status,
        created,
        solved,
        policy,
    ) in _rows(
        "SELECT c.id, c.location_id, l.timezone, c.team_id, c.assignee_id, c.channel, c.status, "
        "c.created_at, c.solved_at, c.sla_policy_id FROM conversations_conversation c "
        "LEFT JOIN core_location l ON l.id = c.location_id"
    ):
        if f.scope.location_ids is not None and location_id not in f.scope.location_ids:
            continue
        if f.scope.agent_id is not None and assignee_id != f.scope.agent_id:
            continue
        if f.location is not None and location_id != f.location.pk:
            continue
        if f.team is not None and team_id != f.team.pk:
            continue
        if f.agent is not None and assignee_id != f.agent.pk:
            continue
        if f.channel and channel != f.channel:
            continue
        if f.tag and cid not in tagged:
            continue
        created, solved = _dt(created), _dt(solved)
        local = created.astimezone(ZoneInfo(zone) if zone else UTC)
        kept.append(
            {
                "id": cid,
                "location_id": location_id,
                "zone": ZoneInfo(zone) if zone else UTC,
                "channel": channel,
                "status": status,
                "created": created,
                "local": local,
                "solved": solved,
                "policy": policy,
            }
        )
    return kept


def in_range(f: Filters, day) -> bool:
    return f.start <= day <= f.end


def rank(values: list, percent: int):
    values = sorted(values)
    if not values:
        return None
    import math

    return values[max(1, math.ceil(percent * len(values) / 100)) - 1]


def first_waits() -> dict:
    """The wait of each conversation's first customer message (earliest, then lowest id)."""
    rows = _rows(
        "SELECT w.conversation_id, w.answered_at, w.business_seconds, w.wall_seconds "
        "FROM conversations_wait w WHERE NOT EXISTS (SELECT 1 FROM conversations_wait o "
        "WHERE o.conversation_id = w.conversation_id AND (o.started_at < w.started_at OR "
        "(o.started_at = w.started_at AND o.id < w.id)))"
    )
    return {cid: (answered, business, wall) for cid, answered, business, wall in rows}


def breaches() -> set:
    return set(_rows("SELECT conversation_id, clock FROM sla_slaevent WHERE kind = 'breach'"))


def expected(f: Filters, now: datetime) -> dict:
    rows = conversations(f)
    opened = [r for r in rows if in_range(f, r["local"].date())]
    solved = [
        r
        for r in rows
        if r["status"] in ("solved", "closed")
        and r["solved"] is not None
        and in_range(f, r["solved"].astimezone(r["zone"]).date())
    ]
    waits = first_waits()
    broken = breaches()
    out: dict = {"new": len(opened)}
    by_day = Counter((r["local"].date().isoformat(), r["channel"]) for r in opened)
    out["by_channel_day"] = by_day
    out["heat"] = Counter((r["location_id"], r["local"].weekday(), r["local"].hour) for r in opened)
    first = {"business": [], "wall": []}
    for r in opened:
        answered, business, wall = waits.get(r["id"], (None, None, None))
        if answered is not None:
            first["business"].append(business)
            first["wall"].append(wall)
    resolution = [int((r["solved"] - r["created"]).total_seconds()) for r in solved]
    resolution = [max(0, s) for s in resolution]
    times = {"first_response": first, "resolution": {"business": resolution, "wall": resolution}}
    for measure, clocks in times.items():
        for clock, values in clocks.items():
            out[f"{measure}_{clock}"] = (len(values), rank(values, 50), rank(values, 90))
            out[f"{measure}_{clock}_buckets"] = [
                sum(1 for v in values if v >= low and (high is None or v < high))
                for _, low, high in TIME_BUCKETS
            ]
    response = []
    for r in opened:
        if (r["id"], "response") in broken:
            response.append(False)
        elif r["policy"] is not None and waits.get(r["id"], (None,))[0] is not None:
            response.append(True)
    resolution_met = []
    for r in solved:
        if (r["id"], "resolution") in broken:
            resolution_met.append(False)
        elif r["policy"] is not None:
            resolution_met.append(True)
    out["response_target"] = (sum(response), len(response))
    out["resolution_target"] = (sum(resolution_met), len(resolution_met))
    zone = timezone.get_current_timezone()
    since = datetime.combine(f.start, time.min, zone)
    until = datetime.combine(f.end + timedelta(days=1), time.min, zone)
    by_id = {r["id"]: r for r in rows}
    helped = defaultdict(list)
    for cid, channel, started, seconds in _rows(
        "SELECT conversation_id, channel, started_at, helped_after_seconds FROM conversations_wait "
        "WHERE helped_after_seconds IS NOT NULL AND channel IN ('phone', 'walk_in')"
    ):
        if cid in by_id and since <= _dt(started) < until:
            helped[channel].append(seconds)
    out["waits"] = {
        channel: (len(v), rank(v, 50), rank(v, 90))
        for channel, v in ((c, helped[c]) for c in ("phone", "walk_in"))
    }
    backlog = [r for r in rows if r["status"] in ("new", "open")]
    out["backlog"] = [
        sum(
            1
            for r in backlog
            if r["created"] <= now - timedelta(days=low)
            and (high is None or r["created"] > now - timedelta(days=high))
        )
        for _, low, high in AGE_BUCKETS
    ]
    return out


def promises(f: Filters) -> dict:
    """Callbacks created and appointments starting in the period (the viewer's zone)."""
    kept = {r["id"]: r for r in conversations(f)}
    zone = timezone.get_current_timezone()
    since = datetime.combine(f.start, time.min, zone)
    until = datetime.combine(f.end + timedelta(days=1), time.min, zone)
    tries = defaultdict(list)
    for callback_id, outcome, at in _rows(
        "SELECT callback_id, outcome, at FROM callbacks_callbackattempt"
    ):
        tries[callback_id].append((_dt(at), outcome))
    first, done, reached, never, all_reached, tried = [], 0, 0, 0, 0, 0
    for cid, conversation_id, status, created in _rows(
        "SELECT id, conversation_id, status, created_at FROM callbacks_callback"
    ):
        created = _dt(created)
        if conversation_id not in kept or not since <= created < until:
            continue
        hit = any(outcome == "reached" for _, outcome in tries[cid])
        tried += len(tries[cid])
        all_reached += hit
        if tries[cid]:
            first.append(int((min(at for at, _ in tries[cid]) - created).total_seconds()))
        if status != "open":
            done += 1
            reached += hit
            never += (not hit) and status == "failed"
    outcomes = Counter()
    for conversation_id, status, starts in _rows(
        "SELECT conversation_id, status, starts_at FROM appointments_appointment"
    ):
        if conversation_id in kept and since <= _dt(starts) < until and status != "cancelled":
            outcomes[status] += 1
    decided = outcomes["attended"] + outcomes["missed"] + outcomes["missed_by_us"]
    return {
        "first_try_median": (rank(first, 50), len(first)),
        "first_try_p90": (rank(first, 90), len(first)),
        "reach_rate": (reached / done if done else None, done),
        "tries_per_reach": (round(tried / all_reached, 2) if all_reached else None, all_reached),
        "never_connected": (never / done if done else None, done),
        "appointments_booked": (sum(outcomes.values()), sum(outcomes.values())),
        "appointments_attended": (outcomes["attended"] / decided if decided else None, decided),
        "appointments_missed": (outcomes["missed"] / decided if decided else None, decided),
        "appointments_missed_by_us": (
            outcomes["missed_by_us"] / decided if decided else None,
            decided,
        ),
    }


# What customers say: survey answers, surveys sent, texts and recovery cases, read with
# plain SQL and filtered and bucketed here.


def _kept_conversations(f: Filters) -> dict:
    """The conversations under the team, agent, channel and tag filters (and the agent's own
    scope), by id, with their team and assignee: dates and locations aside."""
    tagged = {
        cid
        for (cid,) in _rows(
            "SELECT ct.conversation_id FROM conversations_conversation_tags ct "
            f"JOIN conversations_tag t ON t.id = ct.tag_id WHERE t.name = '{f.tag}'"
        )
    }
    kept = {}
    for cid, team_id, assignee_id, channel in _rows(
        "SELECT id, team_id, assignee_id, channel FROM conversations_conversation"
    ):
        if f.team is not None and team_id != f.team.pk:
            continue
        if f.channel and channel != f.channel:
            continue
        if f.tag and cid not in tagged:
            continue
        kept[cid] = (team_id, assignee_id)
    return kept


def _window(f: Filters):
    zone = timezone.get_current_timezone()
    since = datetime.combine(f.start, time.min, zone)
    until = datetime.combine(f.end + timedelta(days=1), time.min, zone)
    return zone, since, until


def _bucket_of(f: Filters, day):
    if f.days <= 14:
        return day
    return day - timedelta(days=day.weekday())


def _located(f: Filters, location_id) -> bool:
    if f.scope.location_ids is not None and location_id not in f.scope.location_ids:
        return False
    return f.location is None or location_id == f.location.pk


def _through_conversation(f: Filters, kept: dict, conversation_id, owner=None) -> bool:
    """Team, agent, channel and tag through the row's conversation (the agent: its assignee,
    or `owner` when given); with none of them, a row without a conversation stays."""
    needs = f.team is not None or f.channel or f.tag
    agent = f.agent.pk if f.agent is not None else None
    own = f.scope.agent_id
    if conversation_id is None:
        return not needs and agent is None and own is None and owner is None
    if conversation_id not in kept:
        return False
    assignee = kept[conversation_id][1] if owner is None else owner
    if agent is not None and assignee != agent:
        return False
    return own is None or assignee == own


def say(f: Filters) -> dict:
    kept = _kept_conversations(f)
    zone, since, until = _window(f)
    tagged_or_channel = f.channel or f.tag
    answers = defaultdict(list)  # (kind, bucket or "total") → scores
    for kind, score, location_id, team_id, agent_id, cid, at in _rows(
        "SELECT kind, score, location_id, team_id, agent_id, conversation_id, answered_at "
        "FROM feedback_answer"
    ):
        at = _dt(at)
        if not since <= at < until or not _located(f, location_id):
            continue
        if f.scope.agent_id is not None and agent_id != f.scope.agent_id:
            continue
        if f.team is not None and team_id != f.team.pk:
            continue
        if f.agent is not None and agent_id != f.agent.pk:
            continue
        if tagged_or_channel and cid not in kept:
            continue
        answers[(kind, _bucket_of(f, at.astimezone(zone).date()))].append(score)
        answers[(kind, "total")].append(score)
    out: dict = {"answers": answers}
    sent = defaultdict(lambda: [0, 0])
    for status, purpose, location_id, cid, at in _rows(
        "SELECT status, purpose, location_id, conversation_id, sent_at FROM feedback_survey "
        "WHERE sent_at IS NOT NULL"
    ):
        at = _dt(at)
        if status not in ("sent", "answered", "withdrawn") or purpose == "kiosk":
            continue
        if not since <= at < until or not _located(f, location_id):
            continue
        if not _through_conversation(f, kept, cid):
            continue
        for key in (_bucket_of(f, at.astimezone(zone).date()), "total"):
            sent[key][0] += 1
            sent[key][1] += status == "answered"
    out["sent"] = sent
    sentiment = defaultdict(Counter)
    themes_now, themes_trend = Counter(), Counter()
    for source, compound, theme_id, location_id, cid, at in _rows(
        "SELECT source, compound, theme_id, location_id, conversation_id, written_at "
        "FROM insights_text"
    ):
        at = _dt(at)
        if not since <= at < until or not _located(f, location_id):
            continue
        if not _through_conversation(f, kept, cid):
            continue
        bucket = _bucket_of(f, at.astimezone(zone).date())
        if source == "message" and compound is not None:
            band = (
                "negative" if compound <= -0.05 else "positive" if compound >= 0.05 else "neutral"
            )
            sentiment[bucket][band] += 1
            sentiment["total"][band] += 1
        if theme_id is not None:
            themes_now[theme_id] += 1
            themes_trend[(bucket, theme_id)] += 1
    out["sentiment"] = sentiment
    out["themes"] = themes_now
    out["themes_trend"] = themes_trend
    outcomes = Counter()
    for outcome, location_id, owner_id, cid, at in _rows(
        "SELECT outcome, location_id, owner_id, conversation_id, closed_at "
        "FROM recovery_recoverycase WHERE closed_at IS NOT NULL"
    ):
        at = _dt(at)
        if not since <= at < until or not _located(f, location_id):
            continue
        if f.scope.agent_id is not None and owner_id != f.scope.agent_id:
            continue
        if f.agent is not None and owner_id != f.agent.pk:
            continue
        if (f.team is not None or f.channel or f.tag) and cid not in kept:
            continue
        outcomes[outcome] += 1
    out["recovery"] = outcomes
    return out


def nps(scores: list) -> tuple:
    """(NPS, 95% low, high): each answer +1, 0 or −1; mean ± 1.96 standard errors."""
    import math
    import statistics

    if not scores:
        return None, None, None
    points = [1 if s >= 9 else -1 if s <= 6 else 0 for s in scores]
    mean = statistics.fmean(points)
    half = 1.959963984540054 * math.sqrt(statistics.pvariance(points) / len(points))
    return 100 * mean, max(-100, 100 * (mean - half)), min(100, 100 * (mean + half))
