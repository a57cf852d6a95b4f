"""`helpline start --demo` run for real: a web server, a worker, a clean stop."""

import http.cookiejar
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

import psutil
import pytest

from tests.conftest import free_port

HELPLINE = str(Path(sys.executable).with_name("helpline"))


def embedded_env(data_dir: Path) -> dict:
    """A bare machine: SQLite and the SQLite broker in the data folder, nothing configured."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.pop("HELPLINE_ADMIN_EMAIL", None)
    env.pop("HELPLINE_ADMIN_PASSWORD", None)
    env.update(HELPLINE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    return env


class Started:
    """A `helpline start` child whose output goes to a file we can read while it runs."""

    def __init__(self, data_dir: Path, *args: str, **env: str):
        self.port = free_port()
        self.env = {**embedded_env(data_dir), **env}
        self.log = data_dir / f"start-{self.port}.log"
        self.output = open(self.log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [HELPLINE, "start", "--port", str(self.port), *args],
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.log.read_text()

    def wait_for(self, predicate, what: str, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(f"helpline start exited early ({what}):\n{self.text()}")
            time.sleep(0.3)
        pytest.fail(f"timed out waiting for {what}:\n{self.text()}")

    def wait_until_serving(self) -> None:
        self.wait_for(lambda: _status(f"{self.url}/sign-in/") == 200, "the sign-in page")

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            self.output.close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def log_in(base_url: str, username: str, password: str, form_path="/sign-in/") -> str:
    """Sign in through the desk's form (the admin's own login sends people there); returns
    where it lands."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base_url}{form_path}", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fields = {"csrfmiddlewaretoken": token, "username": username, "password": password}
    form = urllib.parse.urlencode(fields).encode()
    with opener.open(f"{base_url}{form_path}", data=form, timeout=10) as response:
        return response.url


def printed_admin(output: str) -> tuple[str, str]:
    username = re.search(r"Username\s+(\S+)", output).group(1)
    password = re.search(r"Password\s+(\S+)", output).group(1)
    return username, password


def test_it_starts_a_demo_desk_serves_it_runs_a_worker_and_stops_cleanly(tmp_path):
    started = Started(tmp_path, "--demo", "--demo-size", "small")
    try:
        started.wait_until_serving()
        output = started.text()
        assert "shown only this once" in output
        assert "Demo loaded" in output
        assert f"Sign in at {started.url}/" in output

        username, password = printed_admin(output)
        assert username == "admin@localhost"
        to_admin = "/sign-in/?next=/admin/"
        assert log_in(started.url, username, password, to_admin) == f"{started.url}/admin/"
        assert "/sign-in/" in log_in(started.url, username, "not-the-password", to_admin)
        assert _status(f"{started.url}/static/admin/css/base.css") == 200
        # The desk: its own sign-in form, landing on the inbox, with its own static files.
        assert log_in(started.url, username, password, "/sign-in/") == f"{started.url}/"
        assert log_in(started.url, "jonas", "helpline-demo", "/sign-in/") == f"{started.url}/"
        assert _status(f"{started.url}/static/desk/desk.css") == 200

        children = psutil.Process(started.process.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in children]
        assert any("celery -A helpline worker" in c and "--beat" in c for c in commands)
        assert (tmp_path / "celery-broker.sqlite3").exists()

        # The worker takes a task from the SQLite broker and runs it.
        subprocess.run(
            [
                HELPLINE,
                "shell",
                "-c",
                "from helpline.channels.email.tasks import send_due_outbound as t; t.delay()",
            ],
            env=started.env,
            check=True,
            capture_output=True,
        )
        started.wait_for(
            lambda: re.search(r"send_due_outbound\[[^\]]+\] succeeded", started.text()),
            "the worker to run a task",
        )
        # Only wake-ups, so its commits need not wait for the disk (helpline/core/broker.py).
        with closing(sqlite3.connect(tmp_path / "celery-broker.sqlite3")) as queue:
            assert queue.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        code = started.stop()

    assert code == 0, started.text()
    assert "Helpline stopped." in started.text()
    assert not [child for child in children if _alive(child)]


def test_a_second_start_keeps_the_admin_and_does_not_load_the_demo_again(tmp_path):
    first = Started(tmp_path, "--demo", "--demo-size", "small", "--no-worker")
    try:
        first.wait_until_serving()
    finally:
        assert first.stop() == 0
    username, password = printed_admin(first.text())

    second = Started(tmp_path, "--demo", "--demo-size", "small", "--no-worker")
    try:
        second.wait_until_serving()
        assert log_in(second.url, username, password) == f"{second.url}/"
    finally:
        assert second.stop() == 0
    output = second.text()
    assert "first admin" not in output
    assert "already loaded" in output
    assert "Demo loaded" not in output


def test_it_uses_the_admin_address_and_password_it_is_given(tmp_path):
    started = Started(
        tmp_path,
        "--no-worker",
        HELPLINE_ADMIN_EMAIL="boss@shop.test",
        HELPLINE_ADMIN_PASSWORD="pw-boss-12345",
    )
    try:
        started.wait_until_serving()
        # Signed in: a fresh desk opens its admin on the first-run settings.
        assert log_in(started.url, "boss@shop.test", "pw-boss-12345") == f"{started.url}/settings/"
    finally:
        assert started.stop() == 0
    assert "pw-boss-12345" not in started.text()
    assert "Username   boss@shop.test" in started.text()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
