"""Named examples shared by the whole suite, and real servers started per test."""

import math
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"

# The browser fixtures, defined once for the whole suite: a module that imported them would
# get its own session-scoped Chromium, and a second Playwright beside a running one fails.
pytest_plugins = ["tests.browser"]


def require(condition: bool, reason: str) -> None:
    """Skip on a laptop that lacks a service; fail in CI, where everything must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def raw_mail(
    sender="Maria López <maria@example.com>",
    to="support@shop.test",
    subject="My order",
    body="Where is my order?",
    message_id="<m1@customer.example>",
    date=None,
    **headers,
) -> bytes:
    """The bytes of a plain email; `headers` add more (underscores become hyphens)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg["Date"] = date or format_datetime(datetime.now(UTC))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


def email_from(address: str = "maria@example.com", **fields):
    """An email from a customer, as the email channel hands it to `receive`."""
    from helpline.conversations.receive import Inbound

    fields.setdefault("text", "Where is my order?")
    return Inbound(channel="email", identity_kind="email", identity_value=address, **fields)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The named agents have passwords; hashing them properly costs a second a test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_required_roles():
    """The roles that require two-factor sign-in are remembered per process for a while; a
    test's requirement must not outlive its rolled-back rows. Each test starts as a web
    process that has asked already (no role requires it), so that query budgets count the
    steady state rather than one query in thirty seconds; set_required_roles forgets it."""
    from helpline.core import twofactor

    twofactor._required_memo = (math.inf, frozenset())
    yield
    twofactor.forget_required_roles()


@pytest.fixture(autouse=True)
def fresh_counters():
    """The chat's rate-limit counters live in the process's memory: none outlives its test."""
    from django.core.cache import caches

    caches["counters"].clear()


@pytest.fixture(autouse=True)
def fresh_mailbox_cache():
    """Each test has its own mailboxes; ingest's short-lived cache must not outlive it."""
    from helpline.channels.email.ingest import forget_mailboxes

    forget_mailboxes()
    yield
    forget_mailboxes()


@pytest.fixture
def north(db):
    from helpline.core.models import Location

    return Location.objects.create(name="North Street", timezone="Europe/London", country="GB")


@pytest.fixture
def south(db):
    from helpline.core.models import Location

    return Location.objects.create(name="South Mall", timezone="Europe/Berlin", country="DE")


@pytest.fixture
def admin(db):
    from helpline.core.models import Role, User

    return User.objects.create_user(
        "ada", "ada@shop.test", "pw-ada-123", role=Role.ADMIN, first_name="Ada"
    )


@pytest.fixture
def lead(north):
    """Lea, who manages North Street and leads teams there."""
    from helpline.core.models import Role, User

    user = User.objects.create_user("lea", "lea@shop.test", "pw", role=Role.MANAGER)
    user.locations.add(north)
    return user


@pytest.fixture
def agent_north(north):
    from helpline.core.models import Role, User

    agent = User.objects.create_user(
        "nora", "nora@shop.test", "pw-nora-123", role=Role.AGENT, first_name="Nora"
    )
    agent.locations.add(north)
    return agent


@pytest.fixture
def agent_south(south):
    from helpline.core.models import Role, User

    agent = User.objects.create_user(
        "sam", "sam@shop.test", "pw-sam-123", role=Role.AGENT, first_name="Sam"
    )
    agent.locations.add(south)
    return agent


@pytest.fixture
def mailbox(north):
    from helpline.core.models import Mailbox

    return Mailbox.objects.create(address="support@shop.test", name="Shop Support", location=north)


class SmtpInbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self):
        self.messages: list = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.messages.append(envelope)
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30) -> list:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    try:
        yield inbox
    finally:
        controller.stop()


def subprocess_env(**extra) -> dict:
    """Environment for a `helpline` child process that uses this test's database."""
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{name}"
    else:
        user = db.get("USER") or "postgres"
        url = f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HELPLINE_DATA_DIR": str(settings.DATA_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


@pytest.fixture
def heard():
    """`heard(name)`: a list that fills with the payloads of the `name` events published
    while the test runs, as an in-transaction handler sees them."""
    from helpline.core import events

    listeners = []

    def listen_to(name):
        payloads = []

        def listener(event):
            payloads.append(event.payload)

        events.subscribe(name, listener, phase=events.Phase.IN_TRANSACTION)
        listeners.append((name, listener))
        return payloads

    yield listen_to
    for name, listener in listeners:
        events.unsubscribe(name, listener)


@pytest.fixture(autouse=True)
def _wide_date_windows(request, monkeypatch):
    """Most tests date their calls and callbacks in fixed years (2025, 2035), so that
    weekdays, clock changes and holidays are known: the windows around now
    (helpline.core.windows) would refuse them as the years pass. Tests marked
    `date_windows` keep the real ones (tests/test_date_windows.py)."""
    if request.node.get_closest_marker("date_windows"):
        return
    from helpline.core import windows

    wide = timedelta(days=100 * 366)
    for name in (
        "DUE_AHEAD",
        "DUE_BEHIND",
        "APPOINTMENT_AHEAD",
        "CALL_AHEAD",
        "CALL_BEHIND",
        "PENDING_AHEAD",
    ):
        monkeypatch.setattr(windows, name, wide)
