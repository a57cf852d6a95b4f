"""A real Dovecot IMAP server for the IMAP tests, started with the shared recipe.

server = ImapServer.start()          # a fresh Maildir in a temporary folder, a free port
server.fresh_folder("Test1")         # an empty folder of its own for one test
server.append("Test1", [raw, ...])   # fill it over IMAP
server.stop()
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from tests.conftest import REPO, free_port

RECIPE = REPO.parent / "shared" / "recipes" / "imap-test-server"
USER = "support@example.test"
PASSWORD = "secret-imap-pw"


def can_run() -> tuple[bool, str]:
    if not RECIPE.exists():
        return False, f"the IMAP test server recipe at {RECIPE}"
    if not shutil.which("dovecot") and os.geteuid() != 0:
        return False, "Dovecot installed (or root, so that the recipe can install it)"
    return True, ""


@dataclass
class ImapServer:
    folder: Path
    port: int
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    @classmethod
    def start(cls) -> "ImapServer":
        # Not under pytest's tmp_path: as root, Dovecot reads the mail as its own
        # user, who cannot enter pytest's private folders.
        folder = Path(tempfile.mkdtemp(prefix="helpline-imap-"))
        server = cls(folder=folder, port=free_port())
        # Dovecot daemonises and keeps the recipe's stdout: a pipe would never close.
        log = folder.parent / f"{folder.name}.log"
        with open(log, "wb") as out:
            started = subprocess.run(
                [str(RECIPE), "start", str(folder), str(server.port), server.user, server.password],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
        if started.returncode:
            raise RuntimeError(f"the IMAP test server did not start: {log.read_text()}")
        log.unlink()
        return server

    def stop(self) -> None:
        subprocess.run([str(RECIPE), "stop", str(self.folder)], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def fresh_folder(self, name: str) -> str:
        """Create an empty folder (deleting one of that name first); its UIDVALIDITY is new."""
        with self.client() as client:
            if client.folder_exists(name):
                client.delete_folder(name)
            client.create_folder(name)
        return name

    def append(self, folder: str, messages: list[bytes]) -> list[int]:
        """APPEND messages in order; return their UIDs."""
        with self.client() as client:
            for raw in messages:
                client.append(folder, raw)
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["ALL"]))

    def uidvalidity(self, folder: str) -> int:
        with self.client() as client:
            return int(client.select_folder(folder, readonly=True)[b"UIDVALIDITY"])

    def unseen(self, folder: str) -> list[int]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["UNSEEN"]))
