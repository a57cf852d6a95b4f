"""The desk in real time, in a real Chromium against the real server (`helpline serve`,
uvicorn, its in-memory channel layer): a message received for the agent's conversation
appears without a reload, and a new conversation in the inbox of another tab; the server
goes away and comes back, and the page catches up with what came meanwhile, no row lost or
shown twice.

The messages are received in this test's process, as the worker receives mail: their pushes
reach the server through the relay (helpline.realtime.relay).
"""

import subprocess

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from helpline.conversations.models import Message
from helpline.conversations.receive import receive
from tests.browser import screenshot
from tests.conftest import email_from, subprocess_env
from tests.realtime.servers import HELPLINE, Server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page tries again after 1, 2, 4 … seconds: a restart on a busy machine takes a while.
WAIT = 30_000


@pytest.fixture
def server(tmp_path):
    """Its own data folder (static files collected there); this test's database and key."""
    env = subprocess_env(
        HELPLINE_DATA_DIR=tmp_path,
        SECRET_KEY=django_settings.SECRET_KEY,
        HELPLINE_INBOX_POLL_SECONDS=3600,  # the inbox's poll would never come in time
    )
    env.pop("CHANNEL_LAYERS_URL", None)
    subprocess.run([HELPLINE, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    server = Server(env, tmp_path / "server.log")
    server.wait_until_serving()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_a_received_message_appears_live_and_the_page_catches_up_after_a_restart(
    chromium, server, north, agent_north, settings
):
    settings.HELPLINE_REALTIME_RELAY_URL = server.url
    first = receive(email_from(location=north, subject="Kettle", text="It leaks.")).message
    conversation = first.conversation

    def arrives(text: str) -> Message:
        inbound = email_from(location=north, conversation=conversation, text=text)
        return receive(inbound).message

    context = chromium.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Signed in here (the suite's fast password hasher is not the server's).
    client = Client()
    client.force_login(agent_north)
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
    try:
        page.goto(f"/conversations/{conversation.pk}/")
        live = page.locator(".topbar")
        expect(live).to_have_attribute("data-live-state", "up", timeout=WAIT)
        page.evaluate("window.notReloaded = true")

        second = arrives("Still leaking, and now it sparks.")
        expect(page.locator(f"#message-{second.pk}")).to_contain_text("now it sparks", timeout=WAIT)

        # The server goes away (a restart): the socket closes, and a message comes meanwhile.
        server.stop()
        expect(live).to_have_attribute("data-live-state", "down", timeout=WAIT)
        third = arrives("Hello? Anyone?")
        server.start()
        server.wait_until_serving()
        expect(live).to_have_attribute("data-live-state", "up", timeout=WAIT)
        expect(page.locator(f"#message-{third.pk}")).to_contain_text("Anyone?", timeout=WAIT)
        fourth = arrives("Ah, thanks.")
        expect(page.locator(f"#message-{fourth.pk}")).to_be_visible(timeout=WAIT)

        # Another tab on the inbox: a new conversation's row comes by itself.
        inbox = context.new_page()
        inbox.goto("/?view=unassigned")
        expect(inbox.locator(".topbar")).to_have_attribute("data-live-state", "up", timeout=WAIT)
        rows = inbox.locator("#inbox-rows [data-row]")
        expect(rows).to_have_count(1)
        other = receive(email_from("zoe@example.com", location=north, subject="Toaster")).message
        expect(inbox.locator(f'[data-row][data-id="{other.conversation_id}"]')).to_be_visible(
            timeout=WAIT
        )
        expect(rows).to_have_count(2)

        shown = page.eval_on_selector_all(
            "#thread article[id^='message-']", "rows => rows.map(row => row.id)"
        )
        expected = [f"message-{m.pk}" for m in (first, second, third, fourth)]
        assert shown == expected  # in order, each once
        assert page.evaluate("window.notReloaded") is True
        screenshot(page, "conversation-live")
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
