"""Server time of the desk's pages on a big database, measured in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpline_bench .venv/bin/python bench/desk.py
    HELPLINE_DATA_DIR=<the folder desk_data.py filled> .venv/bin/python bench/desk.py

Run bench/desk_data.py first: it loads the data and the users this reads
(`bench-agent`, who serves two locations, and `bench-admin`). For each of them,
--requests (200) requests of each case through django.test.Client (the whole
Django stack: middleware, session, view, template; no network, no web server),
after --warmup untimed ones:

  inbox_landing                the inbox without a view: "Mine" when the user has open work
                               there, else "All open"
  inbox_open, inbox_solved     the first page of "All open" and "Solved"
  inbox_solved_deep            page 1,000 of "Solved" (or its last page, if it has fewer),
                               the cursor computed from the keyset; the page is in "how"
  inbox_open_deep              the same for "All open"
  conversation                 desk:conversation of random conversations with 5 messages
  api_list                     GET /api/conversations (first page), Bearer token
  search_kettle                desk:search?q=kettle; while that page is a placeholder,
                               search.search_conversations(user, "kettle") itself
  customer_phone               search.search_customers(user, <a customer's mobile number in
                               national format with spaces>), 200 different numbers
  search_page_phone            desk:search?q=<those numbers> (once the page is real)

Reports p50/p95/max in ms, SQL queries per request (the most any timed request
made), and the peak RSS of this process (ru_maxrss): one web worker that
served every request. Prints one JSON object.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGETS_MS = {  # p95 targets on PostgreSQL, stock settings (issue #11)
    "inbox_landing": 30,
    "inbox_open": 30,
    "inbox_solved": 30,
    "inbox_solved_deep": 30,
    "inbox_open_deep": 30,
    "conversation": 25,
    "api_list": 50,
    "search_kettle": 150,
    "customer_phone": 150,
    "search_page_phone": 150,
}
TARGET_RSS_MB = 200


def setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if not os.environ.get("DATABASE_URL") and not os.environ.get("HELPLINE_DATA_DIR"):
        raise SystemExit("set DATABASE_URL, --database-url or HELPLINE_DATA_DIR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def postgres_backend() -> int | None:
    """The pid of this connection's PostgreSQL server process, when it runs on this machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def backend_cpu_s(pid: int | None) -> float:
    """CPU seconds the server process has used (user + system), from /proc."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Case:
    """One thing to time: a list of calls, each returning nothing or raising."""

    def __init__(self, name: str, calls, how: str):
        self.name = name
        self.calls = calls
        self.how = how

    def run(self, requests: int, warmup: int) -> dict:
        from django.db import connection

        for n in range(warmup):
            self.calls[n % len(self.calls)]()
        timings, queries = [], []
        counted = []

        def count(execute, sql, params, many, context):
            counted.append(1)
            return execute(sql, params, many, context)

        backend = postgres_backend()
        cpu_started = time.process_time(), backend_cpu_s(backend)
        # On the connection wrapper, not the DB-API connection: it survives the reconnect
        # that CONN_MAX_AGE=0 (SQLite) makes at every request.
        with connection.execute_wrapper(count):
            for n in range(requests):
                call = self.calls[n % len(self.calls)]
                counted.clear()
                started = time.perf_counter()
                call()
                timings.append((time.perf_counter() - started) * 1000)
                queries.append(len(counted))
        python_cpu = (time.process_time() - cpu_started[0]) * 1000 / requests
        database_cpu = None
        if backend and backend == postgres_backend():  # the same server process throughout
            database_cpu = (backend_cpu_s(backend) - cpu_started[1]) * 1000 / requests
        timings.sort()
        return {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
            "max_ms": round(timings[-1], 1),
            "queries": max(queries),
            "cpu_ms": {
                "python": round(python_cpu, 2),
                "postgres": None if database_cpu is None else round(database_cpu, 2),
            },
            "how": self.how,
        }

    def slowest_queries(self, top: int) -> list[dict]:
        """One more request, with each query's time: where the time goes."""
        from django.db import connection

        queries = []

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - started) * 1000, sql, params))

        with connection.execute_wrapper(timed):
            self.calls[0]()
        queries.sort(key=lambda q: -q[0])
        return [
            {"ms": round(ms, 1), "sql": sql, "params": repr(params)[:500]}
            for ms, sql, params in queries[:top]
        ]


def get(client, url: str, check: bytes | None = None, **headers):
    def call():
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        if check is not None and check not in response.content:
            raise SystemExit(f"GET {url}: {check!r} not in the response")

    return call


def page_cursor(user, slug: str, page: int) -> str | None:
    """The `after` of page `page` (1-based) of an inbox view: the keyset of the row before it."""
    from helpline.api.pagination import encode_cursor
    from helpline.desk.inbox import PAGE_SIZE, VIEWS

    view = VIEWS[slug]
    if page == 1:
        return None
    rows = view.conversations(user).order_by(*view.ordering.order_by())
    last_before = rows[PAGE_SIZE * (page - 1) - 1]
    return encode_cursor(view.ordering, view.ordering.values_of(last_before))


def check_cursor_arithmetic(user) -> None:
    """The computed cursor of page 2 is the one the inbox itself hands out."""
    from helpline.desk.inbox import VIEWS, Filters, page

    for slug in ("open", "solved"):
        given = page(user, VIEWS[slug], Filters()).next_cursor
        if given is not None and given != page_cursor(user, slug, 2):
            raise SystemExit(f"computed cursors differ from the inbox's own ({slug})")


def deepest_page(user, slug: str, wanted: int) -> int:
    from helpline.desk.inbox import PAGE_SIZE, VIEWS

    rows = VIEWS[slug].conversations(user).order_by()[: PAGE_SIZE * wanted].count()
    return max(1, min(wanted, -(-rows // PAGE_SIZE)))


def conversations_with(user, messages: int, count: int, rng: random.Random) -> list[int]:
    """Random conversations the user may see with exactly `messages` messages."""
    from django.db.models import Count, Max

    from helpline.conversations.models import Conversation, Message

    top = Conversation.objects.aggregate(top=Max("id"))["top"]
    found: list[int] = []
    for _ in range(50):  # a small database may have fewer than `count`
        if len(found) >= count:
            break
        sample = rng.sample(range(1, top + 1), min(top, 5000))
        visible = set(
            Conversation.objects.visible_to(user).filter(pk__in=sample).values_list("id", flat=True)
        )
        counted = (
            Message.objects.filter(conversation_id__in=visible)
            .values("conversation_id")
            .annotate(n=Count("id"))
            .filter(n=messages)
            .values_list("conversation_id", flat=True)
        )
        found += sorted(set(counted) - set(found))
    if not found:
        raise SystemExit(f"no visible conversation with {messages} messages")
    rng.shuffle(found)
    return found[:count]


def national_phones(user, count: int, rng: random.Random) -> list[str]:
    """Mobile numbers of customers the user may see, as people write them at home."""
    import phonenumbers

    from helpline.customers.models import Customer, Identity

    visible = Customer.objects.visible_to(user).values("id")
    numbers = list(
        Identity.objects.filter(kind="phone", customer__in=visible)
        .order_by("id")
        .values_list("value", flat=True)[:20_000]
    )
    chosen = rng.sample(numbers, min(count, len(numbers)))
    national = phonenumbers.PhoneNumberFormat.NATIONAL
    return [phonenumbers.format_number(phonenumbers.parse(n), national) for n in chosen]


def search_page_is_real(client) -> bool:
    """Whether desk:search shows conversations yet (it began as a placeholder)."""
    from django.urls import reverse

    response = client.get(reverse("desk:search"), {"q": "kettle"})
    return response.status_code == 200 and b"<mark>" in response.content.lower()


def cases_for(user, rng: random.Random, notes: list[str]) -> list[Case]:
    from django.test import Client
    from django.urls import reverse

    from helpline.core.tokens import issue_token
    from helpline.search.search import search_conversations, search_customers

    client = Client()
    client.force_login(user)
    inbox = reverse("desk:inbox")
    check_cursor_arithmetic(user)
    deep = {}
    for slug in ("solved", "open"):
        number = deepest_page(user, slug, 1000)
        cursor = page_cursor(user, slug, number)
        deep[slug] = (number, f"{inbox}?view={slug}" + (f"&after={cursor}" if cursor else ""))
    conversation_ids = conversations_with(user, 5, 200, rng)
    phones = national_phones(user, 200, rng)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 'desk bench')}"}
    row = b"data-row"
    cases = [
        Case("inbox_landing", [get(client, inbox, row)], "GET desk:inbox"),
        Case("inbox_open", [get(client, f"{inbox}?view=open", row)], "GET ?view=open"),
        Case("inbox_solved", [get(client, f"{inbox}?view=solved", row)], "GET ?view=solved"),
        *(
            Case(
                f"inbox_{slug}_deep",
                [get(client, url, row)],
                f"GET ?view={slug}&after=<cursor of page {number}>",
            )
            for slug, (number, url) in deep.items()
        ),
        Case(
            "conversation",
            [get(client, reverse("desk:conversation", args=[pk])) for pk in conversation_ids],
            "GET desk:conversation, 200 conversations with 5 messages",
        ),
        Case(
            "api_list",
            [get(client, "/api/conversations", b'"items"', **bearer)],
            "GET /api/conversations, Bearer token",
        ),
    ]
    real_search_page = search_page_is_real(client)
    if real_search_page:
        search_url = f"{reverse('desk:search')}?q=kettle"
        cases.append(Case("search_kettle", [get(client, search_url)], "GET desk:search?q=kettle"))
    else:
        note = "desk:search is still a placeholder: search_kettle times search_conversations()"
        if note not in notes:
            notes.append(note)

        def search_kettle():
            if not search_conversations(user, "kettle"):
                raise SystemExit("no conversation found for 'kettle'")

        cases.append(Case("search_kettle", [search_kettle], 'search_conversations(user, "kettle")'))

    def phone_search(number):
        def call():
            if not search_customers(user, number):
                raise SystemExit(f"no customer found for {number!r}")

        return call

    cases.append(
        Case(
            "customer_phone",
            [phone_search(number) for number in phones],
            f"search_customers(user, national number, e.g. {phones[0]!r})",
        )
    )
    if real_search_page:
        search = reverse("desk:search")
        cases.append(
            Case(
                "search_page_phone",
                [get(client, f"{search}?{urlencode({'q': n})}", b"<mark>") for n in phones],
                "GET desk:search?q=<the same national numbers>",
            )
        )
    return cases


def describe_database() -> dict:
    from django.db import connection

    from helpline.conversations.models import Conversation, Message
    from helpline.customers.models import Customer

    tables = [m._meta.db_table for m in (Conversation, Message, Customer)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('server_version')")
            version = cursor.fetchone()[0]
            cursor.execute(
                "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [tables]
            )
            rows = dict(cursor.fetchall())  # the planner's estimate: counting is slow
        else:
            import sqlite3

            version = sqlite3.sqlite_version
            rows = {}
            for table in tables:
                cursor.execute(f"SELECT max(id) FROM {table}")
                rows[table] = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, else HELPLINE_DATA_DIR")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="case names to run (default: all)")
    parser.add_argument("--users", nargs="*", default=["bench-agent", "bench-admin"])
    parser.add_argument(
        "--slowest", type=int, default=0, help="also report each case's N slowest queries' SQL"
    )
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection

    from helpline.core.models import User

    load_before = os.getloadavg()
    started = time.perf_counter()
    rng = random.Random(args.seed)
    notes: list[str] = []
    results = {}
    for username in args.users:
        user = User.objects.get(username=username)
        results[username] = {}
        for case in cases_for(user, rng, notes):
            if args.only and case.name not in args.only:
                continue
            results[username][case.name] = case.run(args.requests, args.warmup)
            if args.slowest:
                results[username][case.name]["slowest"] = case.slowest_queries(args.slowest)
            print(username, case.name, results[username][case.name], file=sys.stderr, flush=True)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    missed = []
    if connection.vendor == "postgresql":
        for username, cases in results.items():
            for name, figures in cases.items():
                if figures["p95_ms"] > TARGETS_MS[name]:
                    missed.append(
                        f"{username} {name}: p95 {figures['p95_ms']} > {TARGETS_MS[name]}"
                    )
        if peak_rss > TARGET_RSS_MB:
            missed.append(f"peak RSS {peak_rss:.0f} MB > {TARGET_RSS_MB}")
    print(
        json.dumps(
            {
                "database": describe_database(),
                "requests_per_case": args.requests,
                "results": results,
                "peak_rss_mb": round(peak_rss, 1),
                "targets_missed": missed if connection.vendor == "postgresql" else "n/a (SQLite)",
                "notes": notes,
                "seconds": round(time.perf_counter() - started, 1),
                "cpus": os.cpu_count(),
                "load_average": {
                    "start": [round(x, 2) for x in load_before],
                    "end": [round(x, 2) for x in os.getloadavg()],
                },
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
