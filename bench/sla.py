"""Service levels on the big PostgreSQL database: the escalation scan and "Breaching soon".

    .venv/bin/python bench/sla.py   # postgres://postgres@127.0.0.1:5432/helpline_bench

It migrates the database, then (committed; the bench database is for benchmarks only)
makes --open (50,000) conversations open by reopening solved ones if needed, gives each a
customer waiting since some time in the last --spread-days (5.6) days, adds a policy
"bench" (first response within a week, warned at 80 %, so after 5.6 days) and computes
their clocks with helpline.sla.clocks.refresh, timed. Warning points then fall due at a
steady few a minute from now on.

Then it times:

  scan_queue      the scan's queue read (sla_next_check_at <= now, by the partial index),
                  with its EXPLAIN ANALYZE printed to stderr
  scan_minutely   --runs (30) scans, each a minute after the previous one: one beat
                  of the every-minute task, events, notifications and all
  scan_backlog    one scan that finds a full batch (500) due, as after an outage
  inbox_breaching the inbox's "All open" sorted by "Breaching soon", --requests (200) times
                  through django.test.Client, as bench-agent and bench-admin (bench/desk_data.py)
  inbox_breached  the same with the "Breached" filter

Notification mail is queued in the same transaction as usual, but not handed to the
broker: the worker's delivery is not what is measured. Prints one JSON object.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/helpline_bench"
TARGETS = {"scan_minutely_max_ms": 1000, "scan_backlog_ms": 1000, "inbox_p95_ms": 50}


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def figures(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    return {
        "runs": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


def open_enough(wanted: int) -> int:
    """Reopen solved conversations until `wanted` are open; how many were reopened."""
    from django.db import transaction

    from helpline.conversations.models import OPEN_STATUSES, Conversation

    missing = wanted - Conversation.objects.filter(status__in=OPEN_STATUSES).count()
    if missing <= 0:
        return 0
    with transaction.atomic():
        ids = list(
            Conversation.objects.filter(status="solved")
            .order_by("-id")
            .values_list("pk", flat=True)[:missing]
        )
        Conversation.objects.filter(pk__in=ids).update(status="open", solved_at=None)
    return len(ids)


def prepare(wanted: int, spread_days: float, rng: random.Random) -> dict:
    """Waiting customers, the policy and the clocks of `wanted` open conversations."""
    from django.db import connection, transaction
    from django.utils import timezone

    from helpline.conversations.models import OPEN_STATUSES, Conversation
    from helpline.sla import clocks
    from helpline.sla.models import SlaPolicy

    reopened = open_enough(wanted)
    ids = list(
        Conversation.objects.filter(status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)[:wanted]
    )
    now = timezone.now()
    spread = spread_days * 86400
    waits = [(pk, now - timedelta(seconds=rng.uniform(0, spread))) for pk in ids]
    with transaction.atomic():
        SlaPolicy.objects.filter(name="bench").delete()
        SlaPolicy.objects.create(
            name="bench", position=0, first_response_minutes=7 * 24 * 60, warn_at_percent=80
        )
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_waits (id bigint, at timestamptz)")
            cursor.executemany("INSERT INTO bench_waits VALUES (%s, %s)", waits)
            cursor.execute(
                "UPDATE conversations_conversation c SET waiting_since = w.at, "
                "first_response_at = NULL FROM bench_waits w WHERE c.id = w.id"
            )
            cursor.execute("DROP TABLE bench_waits")
    started = time.perf_counter()
    for start in range(0, len(ids), clocks.CHUNK):
        with transaction.atomic():
            clocks.refresh(ids[start : start + clocks.CHUNK], now)
    refresh_s = time.perf_counter() - started
    # What autovacuum does within minutes of such a mass update: without it the inbox's
    # index-only count scans visit the heap for every row the update touched.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE conversations_conversation")
    return {
        "open": len(ids),
        "reopened": reopened,
        "refresh_seconds": round(refresh_s, 2),
        "refresh_per_1000_ms": round(refresh_s * 1000 / max(1, len(ids) / 1000), 1),
        "with_next_check": Conversation.objects.filter(sla_next_check_at__isnull=False).count(),
    }


def explain_queue(now) -> str:
    from helpline.conversations.models import Conversation
    from helpline.sla import escalation

    queue = (
        Conversation.objects.filter(sla_next_check_at__lte=now)
        .order_by("sla_next_check_at")
        .values_list("pk", flat=True)[: escalation.BATCH]
    )
    return queue.explain(analyze=True, buffers=True)


def time_queue(now, runs: int) -> dict:
    from helpline.sla import escalation

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        escalation.due_ids(now)
        samples.append((time.perf_counter() - started) * 1000)
    return figures(samples)


def time_minutely(start, runs: int) -> dict:
    from helpline.sla import escalation

    samples, handled, events = [], 0, 0
    for minute in range(1, runs + 1):
        started = time.perf_counter()
        result = escalation.scan(start + timedelta(minutes=minute))
        samples.append((time.perf_counter() - started) * 1000)
        handled += result.checked
        events += len(result.events)
    return {**figures(samples), "conversations": handled, "events": events}


def time_backlog(start) -> dict:
    """Far enough ahead that a whole batch is due."""
    from helpline.conversations.models import Conversation
    from helpline.sla import escalation

    due = Conversation.objects.filter(sla_next_check_at__isnull=False).order_by("sla_next_check_at")
    moment = due.values_list("sla_next_check_at", flat=True)[escalation.BATCH - 1]
    moment = max(moment, start)
    started = time.perf_counter()
    result = escalation.scan(moment)
    elapsed = (time.perf_counter() - started) * 1000
    return {"ms": round(elapsed, 2), "conversations": result.checked, "events": len(result.events)}


def time_inbox(username: str, params: dict, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from helpline.core.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    for _ in range(warmup):
        assert client.get("/", params).status_code == 200
    samples, queries = [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/", params)
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries = max(queries, len(captured))
    return {**figures(samples), "queries": queries}


def explain_inbox(username: str) -> str:
    from helpline.core.models import User
    from helpline.desk import inbox

    user = User.objects.get(username=username)
    view, filters = inbox.VIEWS["open"], inbox.Filters(sort="breaching")
    values = inbox.rows_queryset(user, view, filters)
    return values[: inbox.PAGE_SIZE + 1].explain(analyze=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=BENCH_DATABASE)
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--spread-days", type=float, default=5.6)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", nargs="*", default=["bench-agent", "bench-admin"])
    args = parser.parse_args()
    setup(args.database_url)

    from django.core.management import call_command
    from django.utils import timezone

    from helpline.sla import notify

    call_command("migrate", verbosity=0)
    # Mail is queued as always; handing it to the broker is the worker's business, not timed.
    notify._enqueue = lambda ids: None
    rng = random.Random(args.seed)
    result = {"prepared": prepare(args.open, args.spread_days, rng)}
    start = timezone.now()
    print("EXPLAIN the scan's queue:\n" + explain_queue(start), file=sys.stderr, flush=True)
    result["scan_queue"] = time_queue(start, args.runs)
    result["scan_minutely"] = time_minutely(start, args.runs)
    result["scan_backlog"] = time_backlog(start + timedelta(minutes=args.runs))
    for username in args.users:
        print(
            f"EXPLAIN Breaching soon ({username}):\n" + explain_inbox(username),
            file=sys.stderr,
            flush=True,
        )
        result[f"inbox_breaching_{username}"] = time_inbox(
            username, {"view": "open", "sort": "breaching"}, args.requests, args.warmup
        )
        result[f"inbox_breached_{username}"] = time_inbox(
            username,
            {"view": "open", "sort": "breaching", "breached": "1"},
            args.requests,
            args.warmup,
        )
    missed = []
    if result["scan_minutely"]["max_ms"] > TARGETS["scan_minutely_max_ms"]:
        missed.append("scan_minutely max")
    if result["scan_backlog"]["ms"] > TARGETS["scan_backlog_ms"]:
        missed.append("scan_backlog")
    for name, value in result.items():
        if name.startswith("inbox_") and value["p95_ms"] > TARGETS["inbox_p95_ms"]:
            missed.append(f"{name} p95")
    result["targets"] = TARGETS
    result["missed"] = missed
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
