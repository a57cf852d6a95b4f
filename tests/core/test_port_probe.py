"""`helpline start` right after a stop: the connections the old server closed sit in
TIME_WAIT on its port for a minute, and the start's port probe must not take them for a
server still listening (it did: "cannot listen … Address already in use")."""

import errno
import socket
import time

import pytest

from helpline.core.processes import PortInUse, ensure_port_free
from tests.conftest import free_port
from tests.core import test_start


def plain_bind_refused(port: int) -> bool:
    with socket.socket() as plain:
        try:
            plain.bind(("127.0.0.1", port))
        except OSError as exc:
            assert exc.errno == errno.EADDRINUSE
            return True
        return False


def leave_time_wait(port: int) -> None:
    """A server on `port` that served a client and closed first, as a stopping web server
    does: its end of the connection waits in TIME_WAIT, its listening socket is gone."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    served.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    served.close()
    listener.close()
    client.recv(100)
    assert client.recv(100) == b""  # the server's FIN
    client.close()
    # The last ACK crosses loopback at once; wait for it rather than assume.
    deadline = time.monotonic() + 5
    while not plain_bind_refused(port):
        assert time.monotonic() < deadline, "no TIME_WAIT on the port"
        time.sleep(0.05)


def test_the_probe_passes_a_port_whose_old_connections_are_in_time_wait():
    port = free_port()
    leave_time_wait(port)

    ensure_port_free("127.0.0.1", port)

    assert plain_bind_refused(port)  # still in TIME_WAIT: the probe looked past it


def test_the_probe_still_refuses_a_port_a_server_listens_on():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        with pytest.raises(PortInUse) as refused:
            ensure_port_free("127.0.0.1", port)

    assert refused.value.errno == errno.EADDRINUSE


def test_helpline_start_serves_on_a_port_in_time_wait(tmp_path, monkeypatch):
    port = free_port()
    leave_time_wait(port)
    monkeypatch.setattr(test_start, "free_port", lambda: port)

    started = test_start.Started(tmp_path, "--no-worker")
    try:
        started.wait_until_serving()
    finally:
        code = started.stop()
    assert code == 0, started.text()
