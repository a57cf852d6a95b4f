"""Running Helpline's processes: the web server and the Celery worker.

`helpline start` runs several children under one `Supervisor`; `helpline
serve`, `worker` and `beat` run one part each. The command lines live here so
that both ways run the same thing.

A supervised child gets its own process group, so a Ctrl-C in the terminal
reaches only the supervisor, which then stops every child in order: it sends
SIGTERM, waits, and kills the child's whole group after a timeout.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

POSIX = os.name == "posix"


def child_environment() -> dict:
    """The environment for a child: the same settings and data folder as this process."""
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "helpline.settings")
    env["HELPLINE_DATA_DIR"] = str(settings.DATA_DIR)
    env["SITE_URL"] = settings.SITE_URL  # the port `helpline start` listens on, when not set
    if settings.HELPLINE_REALTIME_RELAY_URL:  # where the worker's real-time pushes go
        env["HELPLINE_REALTIME_RELAY_URL"] = settings.HELPLINE_REALTIME_RELAY_URL
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def embedded_broker() -> bool:
    """True when the broker is a database file (kombu's SQLAlchemy transport)."""
    return settings.CELERY_BROKER_URL.startswith("sqla+")


def listen_url(host: str, port: int) -> str:
    """Where a server listening on host:port is reached; the SITE_URL unless one is set.

    SITE_URL's built-in default names port 8000; a server started on another port makes
    its own address the default instead, for this process and the children it starts.
    """
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"
    if not (os.environ.get("SITE_URL") or os.environ.get("SITE_URL_FILE")):
        settings.SITE_URL = url
    return url


class PortInUse(OSError):
    """Something already listens on the address a server was asked to listen on."""


def ensure_port_free(host: str, port: int) -> None:
    """Fail early, before migrating, when a server could not listen on host:port.

    The probe binds as the web server will (uvicorn sets SO_REUSEADDR): connections of
    a server stopped a moment ago sit in TIME_WAIT for a minute, and a plain bind would
    take them for a server still running. On Linux SO_REUSEADDR still refuses an address
    that a socket listens on. Elsewhere it may not (Windows lets two sockets share a port),
    so the probe binds plainly there.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        if POSIX:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(exc.errno, exc.strerror) from exc


def serve_argv(host: str, port: int, threads: int | None = None) -> list[str]:
    argv = [sys.executable, "-m", "helpline.cli", "serve", "--host", host, "--port", str(port)]
    if threads:
        argv += ["--threads", str(threads)]
    return argv


def worker_argv(
    *, beat: bool = False, concurrency: int | None = None, loglevel: str = "INFO"
) -> list[str]:
    """`celery -A helpline worker`, with the pool that suits the broker.

    A SQLite broker file takes one consumer well: the solo pool runs tasks one
    at a time in the worker process itself (measured: beat's tasks are received
    and run within a second). Redis and RabbitMQ get the prefork pool.
    """
    argv = [sys.executable, "-m", "celery", "-A", "helpline", "worker", f"--loglevel={loglevel}"]
    if embedded_broker():
        argv += ["--pool=solo", "--concurrency=1"]
    elif concurrency:
        argv.append(f"--concurrency={concurrency}")
    if beat:
        argv += ["--beat", f"--schedule={beat_schedule_file()}"]
    return argv


def beat_argv(loglevel: str = "INFO") -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "helpline",
        "beat",
        f"--loglevel={loglevel}",
        f"--schedule={beat_schedule_file()}",
    ]


def beat_schedule_file() -> Path:
    return Path(settings.DATA_DIR) / "celerybeat-schedule"


def exec_argv(argv: list[str]) -> None:
    """Replace this process with argv (POSIX); elsewhere run it and exit with its code."""
    sys.stdout.flush()
    sys.stderr.flush()
    env = child_environment()
    if POSIX:
        os.execve(argv[0], argv, env)
    sys.exit(subprocess.call(argv, env=env))


class _Output(Protocol):
    """Where the supervisor says what it does: a text stream or a command's stdout."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Supervisor:
    """Starts children, watches them, and stops them all on a signal or when one dies."""

    children: list[Child] = field(default_factory=list)
    stop_timeout: float = 20.0
    out: _Output = sys.stdout
    _stop_requested: int = 0

    def add(self, name: str, argv: list[str]) -> Child:
        child = Child(name, argv)
        self.children.append(child)
        return child

    def run(self) -> int:
        """Run until a signal or a child's exit; 0 after a requested stop."""
        previous = self._install_handlers()
        try:
            for child in self.children:
                self._start(child)
                if self._stop_requested:
                    break
            failed = self._watch()
        finally:
            self.stop()
            self._restore_handlers(previous)
        return 1 if failed else 0

    def _start(self, child: Child) -> None:
        options: dict[str, Any] = {"start_new_session": True} if POSIX else {}
        if sys.platform == "win32":  # not POSIX; the flag exists only on Windows
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        child.process = subprocess.Popen(child.argv, env=child_environment(), **options)
        self._say(f"started {child.name} (pid {child.pid})")

    def _watch(self) -> Child | None:
        """Wait for a stop signal (returns None) or a child that exits by itself."""
        while not self._stop_requested:
            for child in self.children:
                if child.process is not None and not child.running():
                    self._say(f"{child.name} exited with code {child.process.returncode}")
                    return child
            time.sleep(0.2)
        return None

    def stop(self) -> None:
        """SIGTERM every child, wait up to stop_timeout, then kill what is left."""
        running = [(c, c.process) for c in self.children if c.process is not None and c.running()]
        for child, process in running:
            self._say(f"stopping {child.name} (pid {child.pid})")
            _terminate(process)
        deadline = time.monotonic() + self.stop_timeout
        for child, process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"{child.name} did not stop in {self.stop_timeout:.0f}s; killing it")
                _kill(process)
                process.wait()
        for child in self.children:
            if child.process is not None and POSIX:
                # Anything the child left behind in its group (a pool process) goes too.
                _kill_group(child.pid)

    def _handle(self, signum, frame) -> None:
        self._stop_requested = signum

    def _install_handlers(self) -> dict:
        previous = {}
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None:
                previous[signum] = signal.signal(signum, self._handle)
        return previous

    def _restore_handlers(self, previous: dict) -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _say(self, text: str) -> None:
        self.out.write(f"[helpline] {text}\n")
        self.out.flush()


def _terminate(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.terminate()  # SIGTERM on POSIX: celery's warm shutdown, uvicorn closes


def _kill(process: subprocess.Popen) -> None:
    if POSIX:
        _kill_group(process.pid)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
