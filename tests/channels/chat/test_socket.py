"""The widget's socket on the real server (uvicorn, helpline.asgi): the handshake's checks,
a chat both ways with typing, and a connection cut mid-chat losing and doubling nothing."""

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from helpline.channels.chat import actions
from helpline.channels.chat.models import ChatSession
from helpline.conversations.models import Message
from tests.channels.chat.conftest import SITE

pytestmark = pytest.mark.django_db(transaction=True)


def open_widget(server, widget, *, origin=SITE, token="", since=0):
    url = f"ws://{server}/chat/ws/?key={widget.key}&token={token}&since={since}"
    return connect(url, origin=origin, open_timeout=10)


def frames(socket, until_type, limit=10, when=lambda frame: True):
    """The frames received up to the first of type `until_type` that `when` accepts (last)."""
    got = []
    for _ in range(limit):
        frame = json.loads(socket.recv(timeout=10))
        got.append(frame)
        if frame["type"] == until_type and when(frame):
            return got
    raise AssertionError(f"no {until_type} frame in {got}")


def from_agent(frame):
    return frame["message"]["from"] == "agent"


def test_the_handshake_refuses_other_sites_forged_tokens_and_unknown_keys(asgi_server, widget):
    for origin in ("https://evil.test", ""):
        with pytest.raises(InvalidStatus) as refused:
            open_widget(asgi_server, widget, origin=origin)
        assert refused.value.response.status_code == 403
    with open_widget(asgi_server, widget) as socket:
        token = frames(socket, "welcome")[-1]["token"]
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    with pytest.raises(InvalidStatus):
        open_widget(asgi_server, widget, token=forged)
    widget.key = "w_other"
    with pytest.raises(InvalidStatus):
        open_widget(asgi_server, widget)


def test_a_chat_both_ways_and_a_cut_connection_loses_and_doubles_nothing(
    asgi_server, widget, agent_north
):
    actions.seen(agent_north)
    with open_widget(asgi_server, widget) as socket:
        welcome = frames(socket, "welcome")[-1]
        assert welcome["online"] is True and welcome["chat"] is None
        token = welcome["token"]
        socket.send(json.dumps({"type": "message", "id": "a1", "text": "Hello?"}))
        got = frames(socket, "ack")
        assert any(f["type"] == "state" and f["chat"]["agent"] == "Nora" for f in got)
        first_id = got[-1]["message"]["id"]
        session = ChatSession.objects.get(visitor=welcome_visitor(token, widget))
        # the agent answers: pushed to the widget
        actions.agent_says(agent_north, session, "Hi, Nora here", client_id="n1")
        pushed = frames(socket, "message", when=from_agent)[-1]["message"]
        assert pushed["text"] == "Hi, Nora here" and pushed["from"] == "agent"
        # the visitor types: the desk hears it (helpline.realtime's desk socket: tests there);
        socket.send(json.dumps({"type": "typing", "typing": True}))
        socket.send(json.dumps({"type": "sync", "since": pushed["id"]}))
        assert frames(socket, "sync")[-1]["messages"] == []  # still open
    # Cut: the visitor's next message and the agent's answer happen while it is down.
    actions.agent_says(agent_north, session, "Are you still there?", client_id="n2")
    with open_widget(asgi_server, widget, token=token, since=pushed["id"]) as socket:
        welcome = frames(socket, "welcome")[-1]
        assert [m["text"] for m in welcome["messages"]] == ["Are you still there?"]
        assert welcome["chat"]["id"] == session.pk
        # the widget sends again what it had not seen acknowledged, with the same id, twice
        for _ in range(2):
            socket.send(json.dumps({"type": "message", "id": "a2", "text": "Yes!"}))
        first, second = frames(socket, "ack"), frames(socket, "ack")
        assert first[-1]["message"]["id"] == second[-1]["message"]["id"]
    texts = list(session.conversation.messages.order_by("pk").values_list("text", flat=True))
    assert texts == ["Hello?", "Hi, Nora here", "Are you still there?", "Yes!"]
    assert Message.objects.filter(pk=first_id).exists()


def welcome_visitor(token, widget):
    from helpline.channels.chat.tokens import read_visitor_token

    return read_visitor_token(token, widget.pk)


def test_the_visitor_sends_a_file_under_the_desks_attachment_rules(
    asgi_server, widget, agent_north
):
    import urllib.error
    import urllib.request
    import uuid

    from helpline.conversations.models import Attachment

    actions.seen(agent_north)
    with open_widget(asgi_server, widget) as socket:
        token = frames(socket, "welcome")[-1]["token"]
        socket.send(json.dumps({"type": "message", "id": "f0", "text": "A photo of it"}))
        frames(socket, "ack")

    def post(name, content, origin=SITE, token=token):
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\nf-{name}\r\n'
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            f"http://{asgi_server}/chat/upload/?key={widget.key}&token={token}",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": origin},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, error.headers, json.loads(error.read())

    status, headers, data = post("kettle.png", b"\x89PNG\r\n\x1a\n")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == SITE
    assert data["message"]["text"] == "Sent a file: kettle.png"
    assert [f["name"] for f in data["message"]["files"]] == ["kettle.png"]
    attachment = Attachment.objects.get()
    assert attachment.filename == "kettle.png" and attachment.message.channel == "chat"
    status, _, data = post("setup.exe", b"MZ")
    assert status == 400 and data["field"] == "file"
    assert post("kettle.png", b"x", origin="https://evil.test")[0] == 403
    assert post("kettle.png", b"x", token="forged")[0] == 403
    assert Attachment.objects.count() == 1


def test_connections_at_once_from_one_address_are_limited(asgi_server, widget, settings):
    import time

    from django.core.cache import cache

    cache.delete("helpline:chat:conns:127.0.0.1")
    settings.HELPLINE_CHAT_CONNECTIONS_PER_IP = 2
    for _ in range(3):  # refused handshakes use up nothing
        with pytest.raises(InvalidStatus):
            open_widget(asgi_server, widget, origin="https://evil.test")
    with open_widget(asgi_server, widget) as first, open_widget(asgi_server, widget) as second:
        with pytest.raises(InvalidStatus):
            open_widget(asgi_server, widget)
        first.close()
        frames(second, "welcome")
        deadline = time.monotonic() + 10
        while True:  # the server counts the closed one down as it notices
            try:
                with open_widget(asgi_server, widget) as third:
                    assert frames(third, "welcome")[-1]["type"] == "welcome"
                break
            except InvalidStatus:
                assert time.monotonic() < deadline
