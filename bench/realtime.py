"""The desk's event fan-out: from a `receive` to the agents' sockets.

    .venv/bin/python bench/realtime.py                        # 50 messages, 20 sockets, memory
    .venv/bin/python bench/realtime.py --layer redis --redis redis://127.0.0.1:6379/13
    .venv/bin/python bench/realtime.py --messages 1000 --sockets 200 --layer redis   # big

A real `helpline serve` (uvicorn) runs on a fresh SQLite data folder with agents at two
locations, each with open desk sockets; this process receives customer messages at those
locations one after another, as the worker receives mail. With the in-memory layer (the
embedded default) each push goes to the server through the relay; with Redis, straight to
the layer. Timed per message from just before `receive` (which stores it and commits) to
its arrival on each socket that should get it: every delivery, and the last socket of each
message (the whole fan-out). Prints JSON.
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from servers import free_port, wait_up  # noqa: E402


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--sockets", type=int, default=20, help="open desk sockets in all")
    parser.add_argument("--layer", choices=["memory", "redis"], default="memory")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between messages")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="helpline-bench-realtime-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNEL_LAYERS_URL")}
    env.update(HELPLINE_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="helpline.settings")
    if args.layer == "redis":
        env.update(CHANNEL_LAYERS_URL=args.redis, HELPLINE_CHANNEL_PREFIX=uuid.uuid4().hex[:12])
    else:
        env.update(HELPLINE_REALTIME_RELAY_URL=url)
    subprocess.run([str(BIN / "helpline"), "migrate", "-v0"], env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from helpline.conversations.receive import Inbound, receive
    from helpline.core.models import Location, User

    locations = [
        Location.objects.create(name=name, timezone="UTC", country="GB") for name in ("A", "B")
    ]
    # Each socket is one agent's tab; agents alternate between the two locations.
    sessions = []
    for n in range(args.sockets):
        agent = User.objects.create_user(f"agent{n}", f"agent{n}@shop.test", "pw-bench-123")
        agent.locations.add(locations[n % 2])
        session = SessionStore()
        session[SESSION_KEY] = str(agent.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        session["_auth_user_hash"] = agent.get_session_auth_hash()
        session.save()
        sessions.append((locations[n % 2].pk, session.session_key))

    server = subprocess.Popen(
        [str(BIN / "helpline"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(f"{url}/sign-in/", server)
        result = run(args, url, port, sessions, locations, receive, Inbound)
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(result, indent=2))


def run(args, url, port, sessions, locations, receive, Inbound) -> dict:
    import websockets

    arrivals: dict[int, list[float]] = {}  # message id -> arrival times on the sockets
    ready = threading.Event()
    done = threading.Event()
    loop = asyncio.new_event_loop()

    async def listen(session_key: str, opened: list) -> None:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/desk/",
            origin=url,
            additional_headers={"Cookie": f"sessionid={session_key}"},
            max_queue=None,
        ) as socket:
            opened.append(socket)
            if len(opened) == len(sessions):
                ready.set()
            while not done.is_set():
                try:
                    raw = await asyncio.wait_for(socket.recv(), 0.5)
                except TimeoutError:
                    continue
                at = time.perf_counter()
                frame = json.loads(raw)  # one event, or one commit's events
                for event in frame if isinstance(frame, list) else [frame]:
                    if event.get("event") == "message.received":
                        arrivals.setdefault(event["message_id"], []).append(at)

    async def listen_all() -> None:
        opened: list = []
        await asyncio.gather(*(listen(key, opened) for _, key in sessions))

    thread = threading.Thread(target=lambda: loop.run_until_complete(listen_all()), daemon=True)
    thread.start()
    if not ready.wait(60):
        raise SystemExit("the sockets did not open")

    sent: dict[int, tuple[float, float, int]] = {}  # id -> (before receive, after, expected)
    per_location = {loc.pk: sum(1 for pk, _ in sessions if pk == loc.pk) for loc in locations}
    for n in range(args.messages):
        location = locations[n % 2]
        inbound = Inbound(
            channel="email",
            identity_kind="email",
            identity_value=f"customer{n}@example.com",
            subject=f"Bench {n}",
            text="Where is my order?",
            location=location,
        )
        started = time.perf_counter()
        message = receive(inbound).message
        sent[message.pk] = (started, time.perf_counter(), per_location[location.pk])
        time.sleep(args.gap)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        len(arrivals.get(pk, [])) < expected for pk, (_, _, expected) in sent.items()
    ):
        time.sleep(0.1)
    done.set()
    thread.join(5)

    every, last, receive_times = [], [], []
    missing = 0
    for pk, (started, stored, expected) in sent.items():
        times = arrivals.get(pk, [])
        missing += expected - len(times)
        every += [t - started for t in times]
        if times:
            last.append(max(times) - started)
        receive_times.append(stored - started)
    return {
        "layer": args.layer,
        "messages": args.messages,
        "sockets": args.sockets,
        "sockets_per_message": round(args.sockets / 2, 1),
        "receive_ms": {
            "p50": percentile(receive_times, 0.5),
            "p95": percentile(receive_times, 0.95),
        },
        "to_a_socket_ms": {"p50": percentile(every, 0.5), "p95": percentile(every, 0.95)},
        "to_the_last_socket_ms": {"p50": percentile(last, 0.5), "p95": percentile(last, 0.95)},
        "deliveries_missing": missing,
    }


if __name__ == "__main__":
    main()
