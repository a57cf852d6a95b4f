"""Without a configured SITE_URL, links point at the port `helpline start`/`serve` listen on."""

import io
import signal

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from helpline.core import processes
from helpline.core.management.commands import serve, start
from tests.conftest import free_port


@pytest.fixture
def site_url(settings, monkeypatch):
    """SITE_URL as configured by nobody; whatever a command sets is undone afterwards."""
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("SITE_URL_FILE", raising=False)
    settings.SITE_URL = "http://127.0.0.1:8000"  # the settings module's default
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # serve's SIGTERM handler
    return settings


class FakeServer:
    def run(self):
        self.site_url = django_settings.SITE_URL


class FakeSupervisor:
    """Records what each child would be started with instead of starting it."""

    last = None

    def __init__(self, out):
        self.names: list[str] = []
        FakeSupervisor.last = self

    def add(self, name, argv):
        self.names.append(name)

    def run(self):
        self.environment = processes.child_environment()
        return 0


@pytest.fixture
def fake_server(monkeypatch):
    server = FakeServer()
    monkeypatch.setattr(serve, "web_server", lambda host, port, threads: server)
    return server


def test_serve_puts_its_port_into_site_url(site_url, fake_server):
    call_command("serve", "--host", "0.0.0.0", "--port", "9123", stdout=io.StringIO())
    assert fake_server.site_url == "http://127.0.0.1:9123"


def test_a_configured_site_url_is_kept(site_url, fake_server, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://help.example.com")
    site_url.SITE_URL = "https://help.example.com"
    call_command("serve", "--port", "9123", stdout=io.StringIO())
    assert fake_server.site_url == "https://help.example.com"


def test_start_gives_its_web_server_and_worker_the_url_it_listens_on(site_url, monkeypatch, db):
    monkeypatch.setattr(start, "call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(start.actions, "create_first_admin", lambda email, password: None)
    monkeypatch.setattr(start, "Supervisor", FakeSupervisor)
    port = free_port()
    call_command("start", "--port", str(port), stdout=io.StringIO())
    supervisor = FakeSupervisor.last
    assert supervisor.names == ["worker", "web"]
    assert supervisor.environment["SITE_URL"] == f"http://127.0.0.1:{port}"
