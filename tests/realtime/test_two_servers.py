"""Two real server processes (`helpline serve`) on one Redis channel layer: an event
published in one reaches the sockets held by the other, both ways.

The layer is at TEST_CHANNEL_LAYERS_URL (default redis://127.0.0.1:6379/13), under a prefix
of this test's own, so that suites running side by side never hear each other.
"""

import asyncio
import http.cookiejar
import json
import os
import re
import urllib.parse
import urllib.request
import uuid

import pytest
import websockets
from django.test import Client

from helpline.conversations.models import Message
from helpline.conversations.receive import receive
from tests.conftest import email_from, subprocess_env
from tests.realtime.loop import run
from tests.realtime.servers import Server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

LAYER = os.environ.get("TEST_CHANNEL_LAYERS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def two_servers(tmp_path):
    env = subprocess_env(
        CHANNEL_LAYERS_URL=LAYER, HELPLINE_CHANNEL_PREFIX=f"test-{uuid.uuid4().hex[:12]}"
    )
    servers = [Server(env, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for server in servers:
            server.wait_until_serving()
        yield servers
    finally:
        for server in servers:
            server.stop()


def add_note(server: Server, session: str, conversation_id: int, text: str) -> None:
    """Through the desk's form on that server, as a browser would."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page_url = f"{server.url}/conversations/{conversation_id}/"
    request = urllib.request.Request(page_url, headers={"Cookie": f"sessionid={session}"})
    page = opener.open(request, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "text": text}).encode()
    post = urllib.request.Request(
        f"{page_url}note/",
        data=form,
        headers={"Cookie": f"sessionid={session}; csrftoken={csrf}"},
    )
    opener.open(post, timeout=10).read()


def test_two_server_processes_on_one_redis_deliver_each_others_events(
    two_servers, north, agent_north
):
    one, two = two_servers
    conversation = receive(email_from(location=north)).message.conversation
    client = Client()
    client.force_login(agent_north)
    session = client.cookies["sessionid"].value

    async def scenario():
        sockets = []
        for server in (one, two):
            sockets.append(
                await websockets.connect(
                    f"ws://127.0.0.1:{server.port}/ws/desk/",
                    origin=server.url,
                    additional_headers={"Cookie": f"sessionid={session}"},
                )
            )
        try:
            for writer, text in ((one, "Noted on one"), (two, "Noted on two")):
                await asyncio.to_thread(add_note, writer, session, conversation.pk, text)
                note = await asyncio.to_thread(
                    lambda text=text: Message.objects.get(conversation=conversation, text=text)
                )
                for socket in sockets:  # the writer's own server's, and the other's
                    event = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    assert event["event"] == "note.added"
                    assert event["message_id"] == note.pk
                    assert event["conversation_id"] == conversation.pk
        finally:
            for socket in sockets:
                await socket.close()

    run(scenario)
