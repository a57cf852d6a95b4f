"""Chat at scale: N visitors' widget sockets, each sending a message every 10 s, and the agents'
desk sockets receiving them; the customer → agent latency, the server's memory, errors; the
widget's size and its time to interactive on a test page.

    .venv/bin/python bench/chat.py                          # 50 sockets, 30 s, one process
    .venv/bin/python bench/chat.py --sockets 1000 --seconds 120
    .venv/bin/python bench/chat.py --sockets 1000 --seconds 120 --processes 2 \\
        --redis redis://127.0.0.1:6379/9                    # two server processes, Redis layer
    .venv/bin/python bench/chat.py --database postgres://postgres@127.0.0.1:5432/helpline_bench

Each server is `helpline serve` (uvicorn) against one fresh data folder (SQLite), or the
database given (it must exist and be empty: the bench migrates it). The load is this process's
asyncio (the `websockets` client). With two processes the visitors are spread over both, and
the agents' sockets are on the first, so every message crosses the Redis channel layer. Prints
JSON.
"""

import argparse
import asyncio
import gzip
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from servers import free_port, wait_up  # noqa: E402

SHOP_PORT = free_port()
ORIGIN = f"http://localhost:{SHOP_PORT}"  # the shop's page: another origin on loopback
CHATS_PER_AGENT = 20  # the highest chat limit an admin may set


def setup(env: dict, sockets: int) -> tuple[str, list[str]]:
    """Migrate; a location, its widget and enough agents online: (widget key, agents' cookies)."""
    subprocess.run([str(BIN / "helpline"), "migrate", "-v0"], env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from helpline.channels.chat import actions
    from helpline.channels.chat.models import ChatWidget
    from helpline.core.models import Location, User

    north = Location.objects.create(name="North", timezone="Europe/London", country="GB")
    widget = ChatWidget.objects.create(name="Bench", location=north, allowed_origins=ORIGIN)
    cookies = []
    for n in range(math.ceil(sockets / CHATS_PER_AGENT)):
        agent = User.objects.create_user(f"agent{n}", f"agent{n}@shop.test", "pw-bench-123")
        agent.locations.add(north)
        actions.set_chat_limit(None, agent, CHATS_PER_AGENT)
        actions.seen(agent)
        session = SessionStore()
        session[SESSION_KEY] = str(agent.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        session["_auth_user_hash"] = agent.get_session_auth_hash()
        session.save()
        cookies.append(f"sessionid={session.session_key}")
    return widget.key, cookies


class Load:
    def __init__(self, ports: list[int], key: str, cookies: list[str], args, pids: list[int]):
        self.ports, self.key, self.cookies, self.args = ports, key, cookies, args
        self.pids = pids
        self.peak_rss = [0.0 for _ in pids]
        self.sent: dict[str, float] = {}  # client id -> when sent
        self.acked: dict[int, str] = {}  # message id -> client id
        self.arrived: dict[int, float] = {}  # message id -> first agent socket's receipt
        self.errors: list[str] = []
        self.stop = 0.0
        self.firsts: set[str] = set()  # the messages that started a chat
        self.cpu_seconds = [0.0 for _ in pids]
        # Every socket open and every chat started from then on: the steady state.
        self.steady_from = 0.0
        self.cpu_at_steady: list[float] | None = None
        self.sent_at_steady = 0

    async def agent(self, cookie: str, ready: asyncio.Event) -> None:
        import websockets

        port = self.ports[0]
        url, origin = f"ws://127.0.0.1:{port}/ws/desk/", f"http://127.0.0.1:{port}"
        try:
            async with websockets.connect(
                url, origin=origin, additional_headers={"Cookie": cookie}, max_queue=None
            ) as ws:
                ready.set()
                while time.monotonic() < self.stop + 5:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=1)
                    except TimeoutError:
                        continue
                    at = time.perf_counter()
                    frame = json.loads(raw)  # one event, or one commit's events
                    for event in frame if isinstance(frame, list) else [frame]:
                        if event.get("event") == "message.received":
                            self.arrived.setdefault(event["message_id"], at)
        except Exception as exc:  # noqa: BLE001  (counted, the run goes on)
            self.errors.append(f"agent: {type(exc).__name__}: {exc}")
            ready.set()

    async def visitor(self, n: int) -> None:
        import websockets

        port = self.ports[n % len(self.ports)]
        url = f"ws://127.0.0.1:{port}/chat/ws/?key={self.key}"
        await asyncio.sleep(self.args.ramp * n / self.args.sockets)  # spread the connections
        try:
            async with websockets.connect(url, origin=ORIGIN, open_timeout=60) as ws:
                welcome = json.loads(await ws.recv())
                if not welcome.get("online"):
                    self.errors.append("visitor: nobody online")
                    return
                reader = asyncio.create_task(self.read(ws))
                # Every 10 s from a random phase, as visitors type at their own pace.
                await asyncio.sleep((n * 7919 % 1000) / 100)
                for count in itertools.count():
                    if time.monotonic() >= self.stop:
                        break
                    client = f"{n}-{count}"
                    self.sent[client] = time.perf_counter()
                    await ws.send(
                        json.dumps({"type": "message", "id": client, "text": f"m {client}"})
                    )
                    if count == 0:
                        self.firsts.add(client)
                    await asyncio.sleep(self.args.every)
                await asyncio.sleep(2)
                reader.cancel()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"visitor: {type(exc).__name__}: {exc}")

    async def sample(self) -> None:
        while True:
            self.peak_rss = [
                max(a, b) for a, b in zip(self.peak_rss, rss_mb(self.pids), strict=True)
            ]
            self.cpu_seconds = cpu_seconds(self.pids)
            if self.cpu_at_steady is None and time.perf_counter() >= self.steady_from:
                self.cpu_at_steady, self.sent_at_steady = self.cpu_seconds, len(self.sent)
            await asyncio.sleep(1)

    async def read(self, ws) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "ack" and frame.get("message"):
                self.acked[frame["message"]["id"]] = frame["id"]
            elif frame["type"] == "error":
                self.errors.append(f"frame: {frame.get('error')}")

    async def run(self) -> dict:
        ready = [asyncio.Event() for _ in self.cookies]
        self.stop = time.monotonic() + self.args.seconds + self.args.ramp + 10
        agents = [
            asyncio.create_task(self.agent(c, r)) for c, r in zip(self.cookies, ready, strict=True)
        ]
        await asyncio.gather(*(r.wait() for r in ready))
        cpu_before = cpu_seconds(self.pids)
        self.steady_from = time.perf_counter() + self.args.ramp + self.args.every
        sampler = asyncio.create_task(self.sample())
        await asyncio.gather(*(self.visitor(n) for n in range(self.args.sockets)))
        await asyncio.gather(*agents)
        sampler.cancel()
        cpu = sum(self.cpu_seconds) - sum(cpu_before)
        seen = [
            (client, self.arrived[mid] - self.sent[client])
            for mid, client in self.acked.items()
            if mid in self.arrived and client in self.sent
        ]
        latencies = sorted(latency for _, latency in seen)
        # Once every chat has started: the later messages of the open chats alone.
        chatting = sorted(latency for client, latency in seen if client not in self.firsts)
        starts = sorted(latency for client, latency in seen if client in self.firsts)
        steady = sorted(
            latency for client, latency in seen if self.sent[client] >= self.steady_from
        )
        steady_cpu = sum(self.cpu_seconds) - sum(self.cpu_at_steady or self.cpu_seconds)
        steady_sent = len(self.sent) - self.sent_at_steady

        def pct(p: float, values: list[float] | None = None) -> float | None:
            values = latencies if values is None else values
            if not values:
                return None
            return round(1000 * values[min(len(values) - 1, int(p * len(values)))], 1)

        unanswered = len(self.sent) - len(self.acked)
        unseen = len([mid for mid in self.acked if mid not in self.arrived])
        return {
            "peak_rss_mb": self.peak_rss,
            "messages_sent": len(self.sent),
            "latency_p50_ms": pct(0.5),
            "latency_p95_ms": pct(0.95),
            "latency_max_ms": pct(1.0),
            "first_message_p50_ms": pct(0.5, starts),
            "first_message_p95_ms": pct(0.95, starts),
            "later_messages_p50_ms": pct(0.5, chatting),
            "later_messages_p95_ms": pct(0.95, chatting),
            "server_cpu_ms_per_message": round(1000 * cpu / max(1, len(self.sent)), 2),
            "steady_messages": len(steady),
            "steady_p50_ms": pct(0.5, steady),
            "steady_p95_ms": pct(0.95, steady),
            "steady_max_ms": pct(1.0, steady),
            "steady_server_cpu_ms_per_message": round(1000 * steady_cpu / max(1, steady_sent), 2),
            "not_acknowledged": unanswered,
            "not_seen_by_an_agent": unseen,
            "errors": len(self.errors),
            "error_samples": self.errors[:5],
        }


def cpu_seconds(pids: list[int]) -> list[float]:
    import psutil

    return [sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids]


def rss_mb(pids: list[int]) -> list[float]:
    import psutil

    return [round(psutil.Process(pid).memory_info().rss / 2**20, 1) for pid in pids]


def widget_figures(port: int, key: str) -> dict:
    """The widget's size, gzipped, and its time to interactive on a page of another origin."""
    script = REPO / "helpline" / "channels" / "chat" / "static" / "chat" / "widget.js"
    figures = {"widget_bytes": script.stat().st_size}
    figures["widget_gzip_bytes"] = len(gzip.compress(script.read_bytes(), 9))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return figures
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page_html = (
        "<!doctype html><title>Shop</title><h1>Shop</h1>"
        f'<script src="http://127.0.0.1:{port}/chat/widget.js?key={key}" async></script>'
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args):
            pass

    shop = ThreadingHTTPServer(("127.0.0.1", SHOP_PORT), Page)
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    chromium = os.environ.get("HELPLINE_CHROMIUM", "/usr/bin/chromium")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{ORIGIN}/")
            # Interactive: the button is there, and it opens the chat's form.
            page.get_by_role("button", name="Chat with us").click()
            page.get_by_label("Message").wait_for()
            figures["time_to_interactive_ms"] = round(page.evaluate("performance.now()"), 1)
            browser.close()
    finally:
        shop.shutdown()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--every", type=float, default=10, help="seconds between messages")
    parser.add_argument("--ramp", type=float, default=10, help="seconds to open the sockets")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--redis", default="", help="CHANNEL_LAYERS_URL (needed for 2 processes)")
    parser.add_argument("--database", default="", help="DATABASE_URL (default: fresh SQLite)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    if args.processes > 1 and not args.redis:
        raise SystemExit("several processes share chats through Redis: give --redis")

    data = Path(tempfile.mkdtemp(prefix="helpline-bench-chat-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CHANNEL_LAYERS_URL")}
    env.update(
        HELPLINE_DATA_DIR=str(data),
        DJANGO_SETTINGS_MODULE="helpline.settings",
        HELPLINE_CHAT_CONNECTIONS_PER_IP=str(args.sockets + 10),  # all from 127.0.0.1
        HELPLINE_CHAT_ONLINE_SECONDS=str(24 * 3600),  # the agents stay online
    )
    if args.database:
        env["DATABASE_URL"] = args.database
    if args.redis:
        env["CHANNEL_LAYERS_URL"] = args.redis
        env["CACHE_URL"] = args.redis  # the rate limits' counters, shared by the processes
    key, cookies = setup(env, args.sockets)
    ports = [free_port() for _ in range(args.processes)]
    processes = [
        subprocess.Popen(
            [str(BIN / "helpline"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_up(f"http://127.0.0.1:{port}/sign-in/", process)
        results = {
            "sockets": args.sockets,
            "seconds": args.seconds,
            "every_s": args.every,
            "processes": args.processes,
            "layer": "redis" if args.redis else "in-memory",
            "database": "postgresql" if args.database else "sqlite",
        }
        pids = [p.pid for p in processes]
        results["rss_mb_idle"] = rss_mb(pids)
        if not args.no_browser:  # first, on a quiet server
            results.update(widget_figures(ports[0], key))
        results.update(asyncio.run(Load(ports, key, cookies, args, pids).run()))
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
        shutil.rmtree(data, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
