"""Service recovery's rules on a big PostgreSQL database: a minute's events, then the scan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpline_recovery_bench \\
        .venv/bin/python bench/desk_data.py --conversations 1000000   # once (or 10000 to try)
    .venv/bin/python bench/recovery.py --database-url postgres://…/helpline_recovery_bench

It works on the data of bench/desk_data.py (committed; the database is for benchmarks
only). Preparing (not timed): the recovery history a desk of that size would have — themes
recorded for --themed (a fifth of the conversations by default) in --themes (40) themes,
and --cases (2 % of the customers) cases, most closed, some open, each with a trigger.

The customers already waiting too long when recovery starts are a backlog, worked off by
the scan (at most 1,000 a run) until it finds nobody new: reported apart as "backlog".

Then --runs (5) times, each a fresh minute of events — by default 100 survey answers
(a quarter bad), 400 scored messages (5 % strongly negative), 400 themed messages, 10
resolution breaches, 3 callbacks that never connected, 2 appointments we missed, and
--long-waits (20) customers newly waiting past the threshold — is
published in one transaction as the other apps do, and timed:

  rules              recovery's handlers on those events, each in its own transaction
                     (cases opened or joined, themes and scores kept)
  long_wait_scan     the every-minute scan of customers waiting too long
  minute             both: the recovery work of one minute (target < 1000 ms)
  minute_through_bus the same minute's work delivered as the worker does (claim, run and
                     finish each stored delivery): the event bus's own cost included

A text.scored event only becomes a delivery when it is negative enough for some location
(`handlers.negative_enough`), so most scored messages cost recovery nothing.

and prints the plans (EXPLAIN ANALYZE) of the two reads that grow with the data: the long-
wait scan's candidates and the repeat-contact rule's look at a customer's solved themes.
Prints one JSON object; plans go to stderr.
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

TARGET_MS = 1000


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Deliveries are run here, in this process, as the worker would: no broker needed.
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()


def figures(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "max_ms": round(ordered[-1], 1),
    }


def prepare(rng: random.Random, themed_share: float, themes: int, case_share: float) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from helpline.conversations.models import Conversation
    from helpline.customers.models import Customer
    from helpline.recovery.models import (
        RecoveryCase,
        RecoveryTrigger,
        RootCause,
        ThemedConversation,
    )

    with transaction.atomic():
        RecoveryTrigger.objects.all().delete()
        RecoveryCase.objects.all().delete()
        ThemedConversation.objects.all().delete()
    now = timezone.now()
    total = Conversation.objects.count()
    step = max(1, round(1 / themed_share))
    rows = Conversation.objects.filter(id__in=_every(step)).values_list(
        "pk", "customer_id", "created_at"
    )
    batch = []
    for pk, customer_id, created_at in rows.iterator(chunk_size=20_000):
        batch.append(
            ThemedConversation(
                conversation_id=pk,
                customer_id=customer_id,
                theme_id=rng.randrange(themes),
                theme_name="bench",
                at=created_at,
            )
        )
        if len(batch) >= 20_000:
            ThemedConversation.objects.bulk_create(batch)
            batch = []
    ThemedConversation.objects.bulk_create(batch)
    cause, _ = RootCause.objects.get_or_create(name="Bench")
    customers = list(
        Customer.objects.order_by("?").values_list("pk", "location_id")[
            : int(Customer.objects.count() * case_share)
        ]
    )
    cases = [
        RecoveryCase(
            customer_id=customer_id,
            location_id=location_id,
            status="open" if n % 10 == 0 else "closed",
            opened_at=now - timedelta(days=rng.uniform(0, 365)),
            due_at=now + timedelta(hours=rng.uniform(-48, 48)),
            closed_at=None if n % 10 == 0 else now - timedelta(days=rng.uniform(0, 300)),
            root_cause=None if n % 10 == 0 else cause,
            outcome="" if n % 10 == 0 else rng.choice(["recovered", "not_recovered", "unknown"]),
        )
        for n, (customer_id, location_id) in enumerate(customers)
    ]
    RecoveryCase.objects.bulk_create(cases, batch_size=10_000)
    RecoveryTrigger.objects.bulk_create(
        [
            RecoveryTrigger(case=case, kind="low_csat", key=f"bench:{case.pk}", at=case.opened_at)
            for case in cases
        ],
        batch_size=10_000,
    )
    with connection.cursor() as cursor:
        for table in ("themedconversation", "recoverycase", "recoverytrigger"):
            cursor.execute(f"ANALYZE recovery_{table}")
    return {
        "conversations": total,
        "themed_conversations": ThemedConversation.objects.count(),
        "cases": len(cases),
        "open_cases": sum(1 for c in cases if c.status == "open"),
        "waiting_now": Conversation.objects.filter(waiting_since__isnull=False).count(),
    }


def _every(step: int):
    from django.db.models import F
    from django.db.models.functions import Mod

    from helpline.conversations.models import Conversation

    return Conversation.objects.annotate(m=Mod(F("id"), step)).filter(m=0).values("id")


def a_minute(rng: random.Random, sizes: dict, run: int) -> list:
    """(event name, payload) of one minute's worth, on random conversations."""
    from django.db.models import Max
    from django.utils import timezone

    from helpline.conversations.models import Conversation
    from helpline.core.events import EventName

    top = Conversation.objects.aggregate(m=Max("id"))["m"]
    wanted = sum(sizes.values())
    ids = [rng.randint(1, top) for _ in range(wanted * 2)]
    rows = list(
        Conversation.objects.filter(pk__in=ids).values_list("pk", "customer_id", "location_id")
    )
    rng.shuffle(rows)
    pick = iter(rows * 2)
    now = timezone.now().isoformat()
    events = []
    for n in range(sizes["answers"]):
        pk, customer, location = next(pick)
        bad = n % 4 == 0
        events.append(
            (
                EventName.SURVEY_ANSWERED,
                {
                    "survey_id": n,
                    "answer_id": run * 1_000_000 + n,
                    "kind": "csat",
                    "score": 1 if bad else 5,
                    "comment": "",
                    "purpose": "contact",
                    "recovery_case_id": None,
                    "customer_id": customer,
                    "conversation_id": pk,
                    "location_id": location,
                    "agent_id": None,
                    "team_id": None,
                    "changed": False,
                    "answered_at": now,
                },
            )
        )
    for n in range(sizes["messages"]):
        pk, customer, location = next(pick)
        compound = -0.8 if n % 20 == 0 else rng.uniform(-0.5, 0.9)
        events.append(
            (
                EventName.TEXT_SCORED,
                {
                    "source": "message",
                    "source_id": run * 1_000_000 + n,
                    "conversation_id": pk,
                    "customer_id": customer,
                    "location_id": location,
                    "language": "en",
                    "compound": compound,
                    "model": "vader",
                },
            )
        )
    for n in range(sizes["themed"]):
        pk, customer, _ = next(pick)
        events.append(
            (
                EventName.TEXT_THEMED,
                {
                    "source": "message",
                    "source_id": run * 1_000_000 + n,
                    "conversation_id": pk,
                    "customer_id": customer,
                    "theme_id": rng.randrange(40),
                    "theme_name": "bench",
                },
            )
        )
    for n in range(sizes["breaches"]):
        pk, customer, location = next(pick)
        events.append(
            (
                EventName.SLA_BREACHED,
                {
                    "sla_event_id": run * 1_000_000 + n,
                    "conversation_id": pk,
                    "customer_id": customer,
                    "location_id": location,
                    "clock": "resolution",
                    "due_at": now,
                },
            )
        )
    for n in range(sizes["callbacks"]):
        pk, customer, location = next(pick)
        events.append(
            (
                EventName.CALLBACK_FAILED,
                {
                    "callback_id": run * 1_000_000 + n,
                    "customer_id": customer,
                    "conversation_id": pk,
                    "location_id": location,
                    "reason": "never_connected",
                    "failed_at": now,
                },
            )
        )
    for n in range(sizes["appointments"]):
        pk, customer, location = next(pick)
        events.append(
            (
                EventName.APPOINTMENT_MISSED,
                {
                    "appointment_id": run * 1_000_000 + n,
                    "customer_id": customer,
                    "conversation_id": pk,
                    "location_id": location,
                    "kind": "callback",
                    "by": "us",
                    "starts_at": now,
                },
            )
        )
    return events


def messages_last_week() -> float:
    """How many messages this desk received a minute, on average, over its last week: a
    yardstick for the size of --messages (its busiest minutes are a few times this)."""
    from datetime import timedelta as td

    from django.db.models import Max

    from helpline.conversations.models import Message

    newest = Message.objects.aggregate(m=Max("created_at"))["m"]
    if newest is None:
        return 0.0
    week = Message.objects.filter(created_at__gt=newest - td(days=7)).count()
    return round(week / (7 * 24 * 60), 1)


def drain_backlog() -> dict:
    """Run the long-wait scan until it finds nobody new: each scan's time and triggers."""
    from django.utils import timezone

    from helpline.recovery import actions

    scans = []
    while True:
        started = time.perf_counter()
        fired = actions.scan_long_waits(timezone.now())
        if not fired:
            break
        scans.append(((time.perf_counter() - started) * 1000, fired))
    return {
        "long_waits": sum(fired for _, fired in scans),
        "scans": len(scans),
        "scan_ms": figures([ms for ms, _ in scans]) if scans else None,
        "ms_per_trigger": round(sum(ms for ms, _ in scans) / max(1, sum(f for _, f in scans)), 2),
    }


def start_waiting(rng: random.Random, count: int) -> None:
    """`count` open conversations nobody waited on start waiting a week ago: past any
    location's threshold in business time, and never told (a fixture write, not an action)."""
    from datetime import timedelta as td

    from django.utils import timezone

    from helpline.conversations.models import Conversation

    idle = Conversation.objects.filter(status__in=["new", "open"], waiting_since__isnull=True)
    ids = list(idle.values_list("pk", flat=True)[: count * 20])
    chosen = rng.sample(ids, min(count, len(ids)))
    Conversation.objects.filter(pk__in=chosen).update(waiting_since=timezone.now() - td(days=7))


def run_minute(events: list, through_bus: bool) -> dict:
    """Publish a minute's events; then either deliver them as the worker does (claim, run,
    finish: the bus's cost included), or run recovery's handlers directly, each in its own
    transaction (recovery's own work); then the long-wait scan."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from helpline.core.events import Event, EventName, _durable, deliver, publish
    from helpline.core.models import EventDelivery, EventDeliveryStatus
    from helpline.recovery import actions
    from helpline.recovery.models import RecoveryTrigger

    with transaction.atomic():
        for name, payload in events:
            publish(name, **payload)
    rows = list(
        EventDelivery.objects.filter(
            status=EventDeliveryStatus.PENDING, handler__startswith="helpline.recovery."
        ).values_list("pk", "name", "payload", "handler")
    )
    triggers_before = RecoveryTrigger.objects.count()
    started = time.perf_counter()
    if through_bus:
        for delivery_id, *_ in rows:
            deliver(delivery_id)
    else:
        with CaptureQueriesContext(connection) as queries:
            for _, name, payload, handler in rows:
                with transaction.atomic():
                    _durable[handler](Event(EventName(name), payload))
    handled = (time.perf_counter() - started) * 1000
    # Round trips (BEGIN, COMMIT and savepoints included): the figure load does not blur.
    statements = 0 if through_bus else len(queries.captured_queries)
    if not through_bus:
        EventDelivery.objects.filter(pk__in=[r[0] for r in rows]).delete()
    started = time.perf_counter()
    waits = actions.scan_long_waits(timezone.now())
    scanned = (time.perf_counter() - started) * 1000
    failed = EventDelivery.objects.filter(pk__in=[r[0] for r in rows]).exclude(status="done")
    return {
        "deliveries": len(rows),
        "statements": statements,
        "failed": failed.count() if through_bus else 0,
        "triggers": RecoveryTrigger.objects.count() - triggers_before - waits,
        "long_waits": waits,
        "handle_events_ms": handled,
        "long_wait_scan_ms": scanned,
        "minute_ms": handled + scanned,
    }


def plans() -> None:
    from datetime import timedelta as td

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from helpline.conversations.models import Conversation, Status
    from helpline.recovery import actions
    from helpline.recovery.models import ThemedConversation

    now = timezone.now()
    print("-- long-wait candidates: the waiting, then their triggers", file=sys.stderr)
    with CaptureQueriesContext(connection) as reads:
        actions.long_wait_candidates(now)
    with connection.cursor() as cursor:
        selects = [q["sql"] for q in reads.captured_queries if q["sql"].startswith("SELECT")]
        for read in [sql for sql in selects if "recovery_recoveryrules" not in sql][:2]:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {read}")
            print("\n".join(row[0] for row in cursor.fetchall()), file=sys.stderr)
    sample = Conversation.objects.order_by("-id").values_list("customer_id", "created_at")[0]
    query = ThemedConversation.objects.filter(
        customer_id=sample[0],
        theme_id=3,
        conversation__status__in=[Status.SOLVED, Status.CLOSED],
        conversation__solved_at__gte=sample[1] - td(days=7),
        conversation__solved_at__lte=sample[1],
    ).values_list("conversation_id", flat=True)[:1]
    print("-- repeat-contact look-up", file=sys.stderr)
    print(query.explain(analyze=True, buffers=True), file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpline_recovery_bench"
        ),
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--themed", type=float, default=0.2)
    parser.add_argument("--themes", type=int, default=40)
    parser.add_argument("--cases", type=float, default=0.02)
    parser.add_argument("--answers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument(
        "--long-waits", type=int, default=20, help="customers newly waiting too long a minute"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--again", action="store_true", help="keep the history an earlier run prepared"
    )
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection

    rng = random.Random(args.seed)
    # --again: keep the recovery history (and the worked-off backlog) of an earlier run.
    data = {"kept": True} if args.again else prepare(rng, args.themed, args.themes, args.cases)
    sizes = {
        "answers": args.answers,
        "messages": args.messages,
        "themed": args.messages,
        "breaches": 10,
        "callbacks": 3,
        "appointments": 2,
    }
    # A desk switching recovery on finds every customer already waiting too long: a backlog
    # that the every-minute scan works off a batch at a time. Drained first, and reported
    # apart; then each timed minute some customers newly cross the threshold.
    backlog = drain_backlog()

    def minute(run: int, through_bus: bool) -> dict:
        start_waiting(rng, args.long_waits)
        return run_minute(a_minute(rng, sizes, run), through_bus)

    direct = [minute(run, False) for run in range(1, args.runs + 1)]
    bus = [minute(run, True) for run in range(args.runs + 1, 2 * args.runs + 1)]
    plans()
    out = {
        "database": connection.vendor,
        "data": data,
        "events_per_minute": sizes,
        "recovery_deliveries_per_minute": direct[0]["deliveries"],
        "backlog": backlog,
        "new_long_waits_per_minute": args.long_waits,
        "triggers_per_minute": [m["triggers"] for m in direct + bus],
        "long_waits_per_minute": [m["long_waits"] for m in direct + bus],
        "rules": figures([m["handle_events_ms"] for m in direct]),
        "ms_per_delivery": round(
            sum(m["handle_events_ms"] for m in direct)
            / max(1, sum(m["deliveries"] for m in direct)),
            2,
        ),
        "messages_per_minute_last_week": messages_last_week(),
        "statements_per_delivery": round(
            sum(m["statements"] for m in direct) / max(1, sum(m["deliveries"] for m in direct)), 2
        ),
        "long_wait_scan": figures([m["long_wait_scan_ms"] for m in direct + bus]),
        "minute": figures([m["minute_ms"] for m in direct]),
        "minute_through_bus": figures([m["minute_ms"] for m in bus]),
        "failed_deliveries": sum(m["failed"] for m in bus),
        "target_minute_ms": TARGET_MS,
        "load_average": os.getloadavg(),
    }
    out["minute_within_target"] = out["minute"]["max_ms"] < TARGET_MS
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
