"""A real `helpline serve` (uvicorn, HTTP and WebSockets) in a child process, on the test's
database, for the tests that need the real thing between a browser or a socket and Django."""

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

HELPLINE = str(Path(sys.executable).with_name("helpline"))


class Server:
    def __init__(self, env: dict, log: Path, port: int | None = None):
        self.env = env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.start()

    def start(self) -> None:
        """Start it (again, on the same port after a stop)."""
        self.output = open(self.log, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [HELPLINE, "serve", "--port", str(self.port), "--threads", "2"],
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )

    def wait_until_serving(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/sign-in/", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"the server did not answer:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.output.close()
