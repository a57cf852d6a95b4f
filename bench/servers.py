"""The web servers Helpline could run, side by side: HTTP throughput on a desk page, and
a WebSocket round trip through the whole ASGI stack (origin check, session, consumer).

    .venv/bin/python bench/servers.py                 # 5 s per server, 16 clients
    .venv/bin/python bench/servers.py --seconds 30 --clients 32

Each server runs as its own process against one fresh SQLite data folder with a signed-in
agent; the load comes from threads of this process (keep-alive connections), so on a small
machine the figures are relative, not absolute. Prints JSON.
"""

import argparse
import asyncio
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def commands(port: int) -> dict[str, list[str]]:
    app = "helpline.asgi:application"
    return {
        "uvicorn": [str(BIN / "helpline"), "serve", "--port", str(port)],
        "uvicorn, Django's ASGI handler": [
            *["env", "HELPLINE_HTTP=asgi"],
            *[str(BIN / "helpline"), "serve", "--port", str(port)],
        ],
        "daphne": [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), app],
        "granian": [
            *[str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1"],
            *["--port", str(port), "--workers", "1", "--log-level", "warning", app],
        ],
        # The WSGI server Helpline ran before (no WebSockets), for reference.
        "waitress (WSGI)": [
            *[str(BIN / "waitress-serve"), "--host", "127.0.0.1", f"--port={port}"],
            *["--threads=8", "helpline.wsgi:application"],
        ],
    }


def wait_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer: {url}")


def load(port: int, path: str, cookie: str, seconds: float, clients: int) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                with lock:
                    errors += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {
        "requests_per_s": round(len(latencies) / took, 1),
        "p50_ms": pct(0.5) if latencies else None,
        "p95_ms": pct(0.95) if latencies else None,
        "errors": errors,
    }


def socket_round_trips(port: int, cookie: str, count: int = 200) -> dict | None:
    """Open a desk socket and time ping → pong `count` times (the consumer answers)."""
    import websockets

    async def run() -> list[float]:
        url = f"ws://127.0.0.1:{port}/ws/desk/"
        origin = f"http://127.0.0.1:{port}"
        headers = {"Cookie": cookie}
        async with websockets.connect(url, origin=origin, additional_headers=headers) as ws:
            times = []
            for _ in range(count):
                started = time.perf_counter()
                await ws.send('{"type": "ping"}')
                await ws.recv()
                times.append(time.perf_counter() - started)
            return sorted(times)

    try:
        times = asyncio.run(run())
    except Exception as exc:  # waitress: no WebSockets
        return {"error": type(exc).__name__}
    return {
        "ping_p50_ms": round(1000 * times[len(times) // 2], 2),
        "ping_p95_ms": round(1000 * times[int(0.95 * len(times))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--only", nargs="*", help="server names to run")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="helpline-bench-servers-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNEL_LAYERS_URL")}
    env.update(HELPLINE_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="helpline.settings")
    subprocess.run([str(BIN / "helpline"), "migrate", "-v0"], env=env, check=True)
    collect = [str(BIN / "helpline"), "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from helpline.core.models import Location, User

    north = Location.objects.create(name="North", timezone="Europe/London", country="GB")
    agent = User.objects.create_user("bench", "bench@shop.test", "pw-bench-123")
    agent.locations.add(north)
    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = agent.get_session_auth_hash()
    session.save()
    cookie = f"sessionid={session.session_key}"

    results = {"seconds": args.seconds, "clients": args.clients, "servers": {}}
    for name in commands(0):
        if args.only and name not in args.only:
            continue
        port = free_port()
        argv = commands(port)[name]
        process = subprocess.Popen(
            argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_up(f"http://127.0.0.1:{port}/sign-in/", process)
            result = {
                "sign_in_page": load(port, "/sign-in/", "", args.seconds, args.clients),
                "inbox_signed_in": load(port, "/", cookie, args.seconds, args.clients),
                "socket": socket_round_trips(port, cookie),
            }
            results["servers"][name] = result
        finally:
            process.terminate()
            process.wait(30)
    shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
