"""The weekly digests: how long composing and sending them takes for 50 managers.

    # a small run: a fresh SQLite desk of 5,000 conversations made first (a minute or so)
    HELPLINE_DATA_DIR=$(mktemp -d) .venv/bin/python bench/digest.py --make --conversations 5000
    # big: the desk bench's PostgreSQL database (bench/desk_data.py, 1,000,000 conversations)
    .venv/bin/python bench/digest.py --database-url postgres://postgres@127.0.0.1:5432/helpline_bench

It adds the reports' tables if missing (`migrate`), rebuilds the facts if there are none,
and makes --managers managers (`bench-manager-NN`, each serving one or two of the desk's
locations, made again on every run), then measures:

  compose_ms            p50 / p95 / max of composing one manager's digest (every figure of
                        their locations for last week and the week before, the perception
                        gap, the text and HTML), and the total
  send_digests_s        `actions.send_digests` for all of them, as the hourly beat task runs
                        it (compose, and queue each as staff mail with its Digest row)
  deliver_s             the staff mail's sweep (`core.staff_mail.deliver_due`) sending them,
                        text and HTML, through Django's in-memory mail backend (the SMTP
                        round trip is not measured)
  again_s               the same task run again in the same week (it finds every row and
                        queues nothing)

Prints one JSON object. The data's "now" is the day it was made (desk_data's --anchor),
so last week has conversations; digests are composed for the Monday after the newest one.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, else SQLite in the data dir")
    parser.add_argument("--make", action="store_true", help="run bench/desk_data.py first")
    parser.add_argument("--conversations", type=int, default=5000, help="with --make")
    parser.add_argument("--managers", type=int, default=50)
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if args.make:
        command = [sys.executable, str(REPO / "bench" / "desk_data.py")]
        command += ["--conversations", str(args.conversations), "--replace"]
        if args.database_url:
            command += ["--database-url", args.database_url]
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    from helpline.conversations.models import Conversation
    from helpline.core import staff_mail
    from helpline.reports import actions
    from helpline.reports.models import ConversationFact

    result: dict = {"conversations": Conversation.objects.count()}
    if not ConversationFact.objects.exists():
        started = time.perf_counter()
        actions.rebuild_rollups()
        result["rebuild_s"] = round(time.perf_counter() - started, 1)
    managers = make_managers(args.managers)
    result["managers"] = len(managers)
    now = sending_moment()
    result["week_of"] = now.date().isoformat()
    result["compose_ms"] = compose(managers, now)
    started = time.perf_counter()
    done = actions.send_digests(now)
    result["send_digests_s"] = round(time.perf_counter() - started, 2)
    result["queued"] = done["queued"]
    started = time.perf_counter()
    result["sent"] = staff_mail.deliver_due()
    result["deliver_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    actions.send_digests(now)
    result["again_s"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result, indent=2))


def make_managers(count: int) -> list:
    from helpline.core.models import Location, Role, StaffEmail, User
    from helpline.reports.models import Digest

    Digest.objects.filter(user__username__startswith="bench-manager-").delete()
    StaffEmail.objects.filter(user__username__startswith="bench-manager-").delete()
    User.objects.filter(username__startswith="bench-manager-").delete()
    # Only they get digests in this run: everyone else's would be measured too.
    User.objects.filter(role__in=[Role.MANAGER, Role.ADMIN]).update(email="")
    User.objects.filter(is_superuser=True).update(email="")
    locations = list(Location.objects.order_by("pk"))
    managers = []
    for i in range(count):
        user = User.objects.create_user(
            f"bench-manager-{i:02d}", f"manager{i}@bench.test", None, role=Role.MANAGER
        )
        served = {locations[i % len(locations)], locations[(i * 7 + 3) % len(locations)]}
        user.locations.add(*list(served)[: 1 + i % 2])
        managers.append(user)
    return managers


def sending_moment() -> datetime:
    """Monday 09:00 UTC after the newest conversation: last week is the data's last week."""
    from django.db.models import Max
    from django.utils import timezone

    from helpline.reports.models import ConversationFact

    newest = ConversationFact.objects.aggregate(day=Max("opened_day"))["day"]
    monday = newest + timedelta(days=7 - newest.weekday())
    return datetime.combine(monday, clock(9), timezone.get_default_timezone())


def compose(managers: list, now: datetime) -> dict:
    from helpline.reports import digest

    cache: dict = {}
    timings = []
    for user in managers:
        started = time.perf_counter()
        content = digest.compose(user, digest.due_week(user, now) or now.date(), cache)
        assert content is not None and content.text
        timings.append((time.perf_counter() - started) * 1000)
    total = sum(timings)
    timings.sort()
    return {
        "p50": round(statistics.median(timings), 1),
        "p95": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "max": round(timings[-1], 1),
        "total_s": round(total / 1000, 2),
    }


if __name__ == "__main__":
    main()
