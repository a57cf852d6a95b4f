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
