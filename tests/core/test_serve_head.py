"""`helpline serve` for real, on a raw socket: a HEAD response never carries a body.

A server may send whatever the application returns, even for HEAD (waitress did). A body
after a HEAD response is read by the client (or a reverse proxy reusing the upstream
connection) as the start of the next response: the connection is desynchronised.
"""

import socket
import threading
import time

import pytest
from django.test import Client

from helpline.conversations.receive import IncomingAttachment, receive
from helpline.core.management.commands.serve import web_server
from helpline.core.tokens import issue_token
from tests.conftest import email_from

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server():
    """`helpline serve`'s own server (the same ASGI application), in a thread."""
    server = web_server("127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield server
    server.stop()
    thread.join(timeout=10)


class Connection:
    """One keep-alive HTTP/1.1 connection, read byte for byte as the server wrote it."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.stream = self.sock.makefile("rb")
        self.headers = headers

    def send(self, method: str, path: str) -> None:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def read_head(self) -> tuple[str, dict[str, str]]:
        """The status line and headers; what follows them stays unread."""
        status = self.stream.readline().decode("latin-1").rstrip("\r\n")
        headers = {}
        while line := self.stream.readline().decode("latin-1").rstrip("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def test_no_head_response_carries_a_body_on_any_route(server, agent_north, north):
    message = receive(
        email_from(
            "maria@example.com",
            subject="Order 123",
            location=north,
            attachments=[IncomingAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 x")],
        )
    ).message
    conversation = message.conversation
    attachment = message.attachments.get()
    desk = Client()
    desk.force_login(agent_north)
    session = desk.cookies["sessionid"].value
    token = issue_token(agent_north, "tests")

    routes = [
        # (path, headers, HEAD's status): desk pages signed out and in (most desk pages
        # allow GET only and refuse HEAD), the API, 404s, a download (a file stream).
        ("/sign-in/", {}, "200"),
        ("/password-reset/", {}, "200"),
        ("/", {"Cookie": f"sessionid={session}"}, "405"),
        (f"/conversations/{conversation.pk}/", {"Cookie": f"sessionid={session}"}, "405"),
        ("/api/conversations", {"Authorization": f"Bearer {token}"}, "405"),
        ("/api/openapi.json", {}, "401"),  # for admins (tests/api/test_openapi_document.py)
        ("/api/no-such-endpoint", {"Authorization": f"Bearer {token}"}, "404"),
        ("/no-such-page/", {}, "404"),
        (f"/attachments/{attachment.pk}/", {"Cookie": f"sessionid={session}"}, "200"),
    ]
    for path, headers, expected in routes:
        connection = Connection(server.effective_port, headers)
        try:
            connection.send("HEAD", path)
            head_status, head_headers = connection.read_head()
            # The next bytes on the connection must be the GET's status line, not a body.
            connection.send("GET", path)
            get_status, get_headers = connection.read_head()
            assert get_status.startswith("HTTP/1.1 "), (path, head_status, get_status)
            body = connection.stream.read(int(get_headers["content-length"]))
        finally:
            connection.close()
        # The connection stays open for the next request, and nothing was chunked.
        assert "transfer-encoding" not in head_headers, path
        assert head_headers.get("connection", "").lower() != "close", path
        assert head_status.split()[1] == expected, (path, head_status)
        if expected == "405":
            continue
        # Otherwise HEAD says what GET would send, Content-Length included.
        assert head_status == get_status, path
        assert head_headers.get("content-length") == get_headers["content-length"], path
        assert int(head_headers["content-length"]) == len(body) > 0, path


def test_more_open_connections_than_waitress_allowed_by_default_are_all_answered(server):
    # 100 phones on a survey page keep 100 connections open between taps: waitress's
    # default limit (100) then left the next one unanswered until another closed.
    port = server.effective_port
    connections = [Connection(port, {"Connection": "keep-alive"}) for _ in range(120)]
    try:
        for connection in connections:
            connection.send("GET", "/robots.txt")
            status, _ = connection.read_head()
            assert status.startswith("HTTP/1.1 "), status
    finally:
        for connection in connections:
            connection.close()
