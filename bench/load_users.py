"""The simulated people of bench/load.py, for locust (run by load.py, not by hand).

Agents sign in to the desk and browse and answer as people do, with 1-5 s to think
between steps; API clients use a Bearer token, read conversations and report missed
calls as a phone system would. Each request goes to the next web process in turn
(LOAD_HOSTS, comma-separated base URLs): a round-robin in the load tool instead of a
proxy in front of the servers.

A missed call is retried until a web process answers it (a phone system retries its
webhook); every call id is written to LOAD_CALLS_FILE before it is first sent and to
LOAD_ANSWERED_FILE once answered 2xx, so load.py can count each one's message and
callback afterwards.
"""

import itertools
import os
import random
import re
import threading
import time
import uuid

from locust import HttpUser, between, task
from requests.adapters import HTTPAdapter

HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
NEXT_HOST = itertools.cycle(HOSTS)
AGENTS = os.environ.get("LOAD_AGENTS", "").split(",")
API_TOKEN = os.environ.get("LOAD_API_TOKEN", "")
CALLS_FILE = os.environ.get("LOAD_CALLS_FILE", "")
ANSWERED_FILE = os.environ.get("LOAD_ANSWERED_FILE", "")
PASSWORD = "bench-password"
WORDS = ["kettle", "refund", "delivery", "broken", "invoice", "warranty", "screen", "order"]
CONVERSATION_LINK = re.compile(r'/conversations/(\d+)/"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_agents = itertools.cycle(AGENTS)
_source_addresses = (f"127.0.{n // 250 + 1}.{n % 250 + 1}" for n in itertools.count())
_call_numbers = itertools.count(1)
_lock = threading.Lock()


def url(path: str) -> str:
    return next(NEXT_HOST) + path


class FromAddress(HTTPAdapter):
    """Connect from one loopback address of 127/8: each agent is a machine of its own, so
    the sign-in limit per client address sees 50 clients, not one."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Agent(HttpUser):
    weight = 10
    wait_time = between(1, 5)
    host = HOSTS[0] if HOSTS else None

    def on_start(self):
        with _lock:
            self.username = next(_agents)
            self.client.mount("http://", FromAddress(next(_source_addresses)))
        self.conversations: list[str] = []
        self.signed_in = False
        self.sign_in()

    def sign_in(self):
        page = self.client.get(url("/sign-in/"), name="sign_in_form")
        token = CSRF_FIELD.search(page.text or "")
        if token is None:
            return
        answer = self.client.post(
            url("/sign-in/"),
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": page.url},
            name="sign_in",
        )
        self.signed_in = answer.ok and "/sign-in/" not in answer.url

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post(self, path: str, data: dict, name: str):
        data = {"csrfmiddlewaretoken": self.csrf(), **data}
        target = url(path)
        return self.client.post(target, data=data, headers={"Referer": target}, name=name)

    def pick(self) -> str | None:
        return random.choice(self.conversations) if self.conversations else None

    @task(5)
    def inbox(self):
        if not self.signed_in:
            self.sign_in()
            return
        view = random.choice(["", "?view=open", "?view=mine", "?view=unassigned"])
        page = self.client.get(url("/" + view), name="inbox")
        found = CONVERSATION_LINK.findall(page.text or "")
        if found:
            self.conversations = found[:50]

    @task(5)
    def open_conversation(self):
        chosen = self.pick()
        if chosen:
            self.client.get(url(f"/conversations/{chosen}/"), name="conversation")

    @task(2)
    def reply(self):
        chosen = self.pick()
        if chosen:
            text = f"Thanks for writing. We are looking at it ({uuid.uuid4().hex[:8]})."
            self.post(f"/conversations/{chosen}/reply/", {"text": text}, "reply")

    @task(1)
    def note(self):
        chosen = self.pick()
        if chosen:
            self.post(f"/conversations/{chosen}/note/", {"text": "Checked stock."}, "note")

    @task(2)
    def search(self):
        self.client.get(url(f"/search/?q={random.choice(WORDS)}"), name="search")


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(1, 5)
    host = HOSTS[0] if HOSTS else None

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        self.ids: list[int] = []

    @task(4)
    def list_conversations(self):
        answer = self.client.get(url("/api/conversations?status=open"), name="api_list")
        if answer.ok:
            self.ids = [item["id"] for item in answer.json().get("items", [])][:50]

    @task(3)
    def conversation(self):
        if self.ids:
            chosen = random.choice(self.ids)
            self.client.get(url(f"/api/conversations/{chosen}"), name="api_conversation")

    @task(1)
    def search(self):
        self.client.get(
            url(f"/api/search/conversations?q={random.choice(WORDS)}"), name="api_search"
        )

    @task(2)
    def missed_call(self):
        call_id = uuid.uuid4().hex
        number = f"+44770{next(_call_numbers):07d}"  # one caller per call: one callback each
        with _lock, open(CALLS_FILE, "a") as calls:
            calls.write(f"{call_id} {number}\n")
        body = {
            "call_id": call_id,
            "direction": "inbound",
            "from_number": number,
            "to_number": "+441610000000",
            "outcome": "missed",
        }
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            answer = self.client.post(url("/api/calls/events"), json=body, name="api_call")
            if answer.status_code in (200, 201):
                with _lock, open(ANSWERED_FILE, "a") as answered:
                    answered.write(f"{call_id}\n")
                return
            time.sleep(1)
