"""The reports on a big database: page p95, the cost of keeping the facts, rebuild time.

    # the desk bench's database (bench/desk_data.py, 1,000,000 conversations)
    .venv/bin/python bench/reports.py --database helpline_bench
    # a small one, made first by bench/desk_data.py (dropped and created: the name must
    # contain "bench")
    .venv/bin/python bench/reports.py --database helpline_bench_reports --conversations 20000 --make

It adds the reports' table to the database if it lacks it (`migrate reports`), then:

  rebuild_s                  `helpline rebuild-rollups` (every conversation's facts, in chunks)
  refresh_ms_per_message     what keeping the facts costs per received message: the
                             after-commit handler's recomputation of one conversation
                             (p50 / p95 over --refreshes random conversations)
  pages                      p50 / p95 / max ms and queries of each report page, its
                             drill-down, a CSV and the API, over the data's last quarter
                             (91 days up to its newest conversation), as bench-admin (every
                             location) and bench-agent (their own figures), through
                             django.test.Client after --warmup untimed requests

Prints one JSON object. bench/desk_data.py writes no Wait rows, so first responses (which
are counted from the customer's first message's wait) are absent there: their queries
run over no rows, and the page times are a little lower than on a desk's real data.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

TARGET_P95_MS = 500  # issue #13, at 1,000,000 conversations on PostgreSQL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="helpline_bench", help="PostgreSQL database name")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--database-url",
        help="instead of --server/--database, e.g. sqlite:////path/helpline.sqlite3",
    )
    parser.add_argument("--conversations", type=int, help="with --make: the size to make")
    parser.add_argument("--make", action="store_true", help="run bench/desk_data.py first")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--refreshes", type=int, default=200)
    parser.add_argument("--skip-rebuild", action="store_true", help="facts are already there")
    args = parser.parse_args()
    url = args.database_url or f"{args.server}/{args.database}"
    if args.make:
        command = [sys.executable, str(REPO / "bench" / "desk_data.py"), "--database-url", url]
        if args.conversations:
            command += ["--conversations", str(args.conversations)]
        subprocess.run(command, check=True, cwd=REPO)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "reports", verbosity=0)
    from django.db import connection

    result: dict = {"database": args.database_url or args.database, "vendor": connection.vendor}
    from helpline.conversations.models import Conversation
    from helpline.reports import actions
    from helpline.reports.models import ConversationFact

    result["conversations"] = Conversation.objects.count()
    if not args.skip_rebuild:
        started = time.perf_counter()
        actions.rebuild_rollups()
        result["rebuild_s"] = round(time.perf_counter() - started, 1)
    result["facts"] = ConversationFact.objects.count()
    result["refresh_ms_per_message"] = refresh_cost(args.refreshes)
    result["pages"] = pages(args.requests, args.warmup)
    worst = max(case["p95_ms"] for user in result["pages"].values() for case in user.values())
    result["worst_p95_ms"] = worst
    result["target_p95_ms"] = TARGET_P95_MS
    print(json.dumps(result, indent=2))


def refresh_cost(count: int) -> dict:
    from django.db import transaction
    from django.db.models import Max

    from helpline.conversations.models import Conversation
    from helpline.reports import actions

    rng = random.Random(1)
    top = Conversation.objects.aggregate(top=Max("id"))["top"] or 0
    ids = sorted(
        Conversation.objects.filter(
            pk__in=rng.sample(range(1, top + 1), min(top, count * 2))
        ).values_list("pk", flat=True)[:count]
    )
    rng.shuffle(ids)
    timings = []
    for pk in ids:
        started = time.perf_counter()
        with transaction.atomic():  # as a delivery runs it
            actions.refresh_conversations([pk])
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50": round(statistics.median(timings), 2),
        "p95": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "n": len(timings),
    }


def pages(requests: int, warmup: int) -> dict:
    from desk import Case, get
    from django.db.models import Max
    from django.test import Client

    from helpline.core.models import User
    from helpline.core.tokens import issue_token
    from helpline.reports.models import ConversationFact

    newest = ConversationFact.objects.aggregate(day=Max("opened_day"))["day"]
    period = {"start": (newest - timedelta(days=90)).isoformat(), "end": newest.isoformat()}
    query = urlencode(period)
    out = {}
    for username in ("bench-admin", "bench-agent"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        api = Client(headers={"Authorization": f"Bearer {issue_token(user)}"})
        cases = {
            "volume": get(client, f"/reports/volume/?{query}"),
            "responsiveness": get(client, f"/reports/responsiveness/?{query}"),
            "promises": get(client, f"/reports/promises/?{query}"),
            "candor": get(client, "/reports/candor/"),
            "drill_down_new": get(client, f"/reports/conversations/?{query}&figure=new"),
            "csv_volume_by_channel": get(
                client, f"/reports/volume/csv/?{query}&table=by_channel_week"
            ),
            "api_responsiveness": get(api, f"/api/reports/responsiveness?{query}"),
            "say": get(client, f"/reports/say/?{query}"),
            "drill_down_negative_messages": get(
                client, f"/reports/conversations/?{query}&figure=sentiment&value=negative"
            ),
            "csv_say_themes": get(client, f"/reports/say/csv/?{query}&table=themes"),
            "api_say": get(api, f"/api/reports/say?{query}"),
        }
        out[username] = {
            name: Case(name, [call], "quarter").run(requests, warmup)
            for name, call in cases.items()
        }
    return out


if __name__ == "__main__":
    main()
