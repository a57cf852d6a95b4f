import pytest

from helpline.channels.chat import actions, tokens, visitor
from helpline.channels.chat.models import ChatWidget

SITE = "http://shop.test:8000"


@pytest.fixture
def widget(north, mailbox):
    return ChatWidget.objects.create(
        name="Shop site", location=north, mailbox=mailbox, allowed_origins=SITE
    )


@pytest.fixture
def visit(widget):
    """A visitor of the widget, as the socket's handshake makes them."""
    return visitor.open_visit(widget.key, SITE, "")


@pytest.fixture
def online(agent_north):
    actions.seen(agent_north)
    return agent_north


def say(visit, text, client_id, **more):
    return visitor.handle(visit, {"type": "message", "id": client_id, "text": text, **more})


__all__ = ["tokens"]


@pytest.fixture
def asgi_server(transactional_db, monkeypatch):
    """The real web server (`helpline serve`'s uvicorn, HTTP and WebSockets) on a free port,
    in a thread of this process: "host:port"."""
    import threading
    import time

    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from helpline.asgi import application
    from helpline.core.management.commands.serve import Server

    # As `helpline serve` runs it, with the static files from their apps (not collected).
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        access_log=False,
        log_level="warning",
        ws="websockets-sansio",
    )
    server = Server(config, 4)
    # No persistent connections in the server's threads: each closes its own when done, so
    # PostgreSQL can drop the test database afterwards.
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"127.0.0.1:{server.effective_port}"
    server.stop()
    thread.join(10)
