"""One chat in two browsers: a customer on a shop's page (another origin on loopback) that
embeds the widget, and a signed-in agent of the widget's location, on the real server
(uvicorn: HTTP and WebSockets). Both see each other's messages and typing; the chat is on the
customer's timeline; an agent of another location never sees it; the widget's socket cut by
the server mid-chat loses and doubles nothing on either side."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from helpline.channels.chat.live import visitor_group
from helpline.channels.chat.models import ChatAgent, ChatSession, ChatWidget
from helpline.feedback.models import Answer
from helpline.realtime import push
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_page():
    """A shop's site on its own origin (localhost, its own port): `shop_page(html)` serves it."""
    page = {"html": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page["html"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_address[1]}"

    def serve(html: str) -> str:
        page["html"] = html.encode()
        return origin

    serve.origin = origin
    yield serve
    server.shutdown()


def context(chromium, base_url, errors):
    ctx = chromium.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def test_a_customer_and_an_agent_chat_live(
    chromium, asgi_server, shop_page, north, agent_north, agent_south, mailbox
):
    maria = write_in(north, "maria@example.com", "An earlier mail", name="Maria Lopez").customer
    widget = ChatWidget.objects.create(
        name="Shop", location=north, mailbox=mailbox, allowed_origins=shop_page.origin
    )
    helpline = f"http://{asgi_server}"
    shop_page(
        "<!doctype html><title>Shop</title><h1>Kettles</h1>"
        f'<script src="{helpline}/chat/widget.js?key={widget.key}" async></script>'
    )
    errors: list[str] = []
    agent = context(chromium, helpline, errors)
    other = context(chromium, helpline, errors)
    customer = context(chromium, shop_page.origin, errors)

    # The agent's desk socket goes through a route this test can cut.
    desk_sockets = []

    def through(ws):
        desk_sockets.append(ws)
        ws.connect_to_server()

    agent.context.route_web_socket("**/ws/desk/", through)
    sign_in(agent, "nora", "pw-nora-123")  # her desk's heartbeat makes her online
    sign_in(other, "sam", "pw-sam-123")
    expect(agent.locator("[data-chat-online]")).to_have_count(1)
    _wait(lambda: ChatAgent.objects.filter(user=agent_north, seen_at__isnull=False).exists())

    customer.goto("/")
    customer.get_by_role("button", name="Chat with us").click()
    customer.get_by_placeholder("Your name (optional)").fill("Maria Lopez")
    customer.get_by_placeholder("Email (optional)").fill("maria@example.com")
    customer.get_by_label("Message").fill("Is my kettle ready?")
    customer.get_by_label("Message").press("Enter")
    expect(customer.locator(".m.visitor:not(.pending)")).to_have_text(["Is my kettle ready?"])
    expect(customer.locator(".title")).to_have_text("You are chatting with Nora")

    # The agent finds it in the inbox and opens it.
    agent.goto("/")
    expect(agent.locator("#open-chats")).to_contain_text("Maria Lopez")
    agent.locator("#open-chats a").first.click()
    expect(agent.locator("#chat-log .chat-visitor")).to_have_text(["Visitor Is my kettle ready?"])
    expect(agent.locator("#chat[data-live=up]")).to_have_count(1)  # the desk's socket is open

    # Typing, both ways; then the agent's answer.
    customer.get_by_label("Message").press_sequentially("And the lid")
    expect(agent.locator("#chat-typing")).to_have_text("The visitor is typing…")
    agent.locator("#chat-text").press_sequentially("Yes, it is")
    expect(customer.locator(".typing")).to_have_text("Nora is typing…")
    agent.locator("#chat-text").press("Enter")
    expect(customer.locator(".m.agent")).to_have_text(["Yes, it is"])
    customer.get_by_label("Message").press("Enter")
    expect(agent.locator("#chat-log .chat-visitor")).to_have_count(2)

    # Another location's agent: not in her inbox, and the conversation does not exist.
    session = ChatSession.objects.get(widget=widget)
    other.goto("/")
    expect(other.locator("#open-chats")).to_have_count(0)
    assert "Maria" not in other.content()
    assert other.goto(f"/conversations/{session.conversation_id}/").status == 404
    # On the customer's timeline: the chat belongs to Maria, matched by her address.
    assert session.conversation.customer_id == maria.pk
    agent.goto(f"/customers/{maria.pk}/")
    expect(agent.locator("body")).to_contain_text("Is my kettle ready?")
    agent.goto(f"/conversations/{session.conversation_id}/")

    # The server cuts the widget's socket; meanwhile both write. After the reconnect each
    # side shows each message once.
    push.send([visitor_group(session.visitor)], {"type": "chat.close"})
    customer.get_by_label("Message").fill("Written while cut")
    customer.get_by_label("Message").press("Enter")
    agent.locator("#chat-text").fill("Answered while cut")
    agent.locator("#chat-text").press("Enter")
    expect(customer.locator(".m.agent")).to_have_text(["Yes, it is", "Answered while cut"])
    expect(customer.locator(".m.visitor")).to_have_text(
        ["Is my kettle ready?", "And the lid", "Written while cut"]
    )
    expect(agent.locator("#chat-log .chat-visitor")).to_have_count(3)
    expect(agent.locator("#chat-log .chat-agent")).to_have_count(2)
    # Now the agent's desk socket is cut while the customer writes: caught up once.
    expect(agent.locator("#chat[data-live=up]")).to_have_count(1)
    desk_sockets[-1].close()
    expect(agent.locator("#chat[data-live=down]")).to_have_count(1)
    customer.get_by_label("Message").fill("Written while the desk was cut")
    customer.get_by_label("Message").press("Enter")
    expect(agent.locator("#chat[data-live=up]")).to_have_count(1)
    expect(agent.locator("#chat-log .chat-visitor")).to_have_count(4)
    expect(agent.locator("#chat-log .chat-visitor").last).to_have_text(
        "Visitor Written while the desk was cut"
    )
    texts = list(session.conversation.messages.values_list("text", flat=True))
    assert sorted(texts) == sorted(
        [
            "Is my kettle ready?",
            "And the lid",
            "Yes, it is",
            "Written while cut",
            "Answered while cut",
            "Written while the desk was cut",
        ]
    )
    screenshot(customer, "chat-widget-customer")
    screenshot(agent, "chat-agent")

    # The customer ends it; the agent's panel says so.
    customer.get_by_role("button", name="End chat").click()
    expect(agent.locator("#chat-state")).to_have_text("Ended by the visitor")
    # The survey, asked inline.
    customer.get_by_role("button", name="5 of 5").click()
    expect(customer.locator(".survey")).to_have_text("Thank you for your answer.")
    assert Answer.objects.get(conversation=session.conversation).score == 5
    assert not errors, errors


def _wait(condition, seconds: float = 15) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
