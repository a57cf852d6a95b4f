"""The public survey page and the answer POST under concurrent clients, over loopback HTTP.

    .venv/bin/python bench/surveys.py                       # SQLite in a fresh data dir
    .venv/bin/python bench/surveys.py --database-url postgres://postgres@127.0.0.1:5432/helpline_bench_surveys
    .venv/bin/python bench/surveys.py --clients 100 --surveys 2000

Makes --surveys sent surveys (one customer and conversation each) in a fresh database, starts
`helpline serve` (waitress, --threads) as its own process, then --clients threads each open a
keep-alive connection and, per survey they take, GET the answer link's page (what a tap on
the mail's button opens), think, and POST the score (what the page's script sends), then think
again before the next survey. --think (2 s) is the mean of that pause, drawn uniformly from
0 to twice it: a person reads the page before tapping. --think 0 is the saturation case,
every client sending as fast as it is answered. Reports p50/p95/max in ms and errors per
case, and the requests per second. The client threads share this
machine's cores with the server: on a 2-core machine the figures include that contention.
Prints one JSON object. Targets (issue #12): p95 <= 50 ms, 0 errors.
"""

import argparse
import http.client
import json
import os
import queue
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TARGET_P95_MS = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(count: int) -> list[str]:
    """Migrate, make `count` sent surveys; their answer paths (each with a score)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import transaction
    from django.utils import timezone

    from helpline.conversations.models import Conversation
    from helpline.core.models import Location
    from helpline.customers.models import Customer
    from helpline.feedback import tokens
    from helpline.feedback.models import Survey

    now = timezone.now()
    location = Location.objects.create(name="Bench Street", timezone="UTC", country="GB")
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [Customer(name=f"Bench {i}", location=location) for i in range(count)]
        )
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    subject=f"Question {i}",
                    status="solved",
                    channel="email",
                    customer=customer,
                    location=location,
                    created_at=now,
                    last_message_at=now,
                    solved_at=now,
                )
                for i, customer in enumerate(customers)
            ]
        )
        surveys = Survey.objects.bulk_create(
            [
                Survey(
                    cause=f"bench:{conversation.pk}",
                    kind="csat",
                    status="sent",
                    customer_id=conversation.customer_id,
                    conversation=conversation,
                    location=location,
                    language="en",
                    sent_at=now,
                )
                for conversation in conversations
            ]
        )
    return [
        f"/survey/{s.pk}/{tokens.answer_token(s.pk, 1 + s.pk % 5)}/|{1 + s.pk % 5}" for s in surveys
    ]


def serve(port: int, threads: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(REPO / ".venv" / "bin" / "helpline"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(threads),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def load(port: int, work: list[str], clients: int, think: float) -> dict:
    jobs: queue.Queue = queue.Queue()
    for item in work:
        jobs.put(item)
    timings: dict[str, list[float]] = {"page_get": [], "answer_post": []}
    errors = {"page_get": 0, "answer_post": 0}
    lock = threading.Lock()

    def client(seed: int):
        pause = random.Random(seed)
        if think:  # people do not all tap at the same instant
            time.sleep(pause.uniform(0, 2 * think))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            try:
                item = jobs.get_nowait()
            except queue.Empty:
                break
            path, score = item.split("|")
            for case, method, body in (
                ("page_get", "GET", None),
                ("answer_post", "POST", f"score={score}"),
            ):
                headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
                started = time.perf_counter()
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == (200 if method == "GET" else 302)
                except (OSError, http.client.HTTPException):
                    ok = False
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    timings[case].append(elapsed)
                    errors[case] += 0 if ok else 1
                if think:
                    time.sleep(pause.uniform(0, 2 * think))
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result = {}
    for case, values in timings.items():
        values.sort()
        result[case] = {
            "requests": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))], 1),
            "max_ms": round(values[-1], 1),
            "errors": errors[case],
            "target_p95_ms": TARGET_P95_MS,
        }
    result["requests_per_s"] = round(sum(len(v) for v in timings.values()) / wall, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--surveys", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8, help="the server's threads")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a person pauses (0: none)"
    )
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="helpline-bench-surveys-")
    os.environ["HELPLINE_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SECRET_KEY", "bench-surveys-not-secret")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    work = prepare(args.surveys)
    from django.db import connection

    database = connection.vendor
    connection.close()
    port = free_port()
    server = serve(port, args.threads, dict(os.environ))
    try:
        result = load(port, work, args.clients, args.think)
    finally:
        server.terminate()
        server.wait(10)
    print(
        json.dumps(
            {
                "database": database,
                "surveys": args.surveys,
                "clients": args.clients,
                "server_threads": args.threads,
                "think_s": args.think,
                **result,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
