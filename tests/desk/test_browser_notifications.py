"""The bell and "Call back at…" in a real Chromium: an SLA warning from the escalation scan
shows on the bell, opening it lands on the conversation and the count drops; the inbox poll
brings a new one without a reload; a call back asked for on the conversation page is on the
worklist."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpline.callbacks.models import Callback
from helpline.conversations import actions
from helpline.customers import actions as customer_actions
from helpline.sla import escalation, notify
from helpline.sla.models import SlaEvent, SlaPolicy
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARIA = "+447700900123"


@pytest.fixture
def warned(north, agent_north, admin):
    """Two conversations Nora has, each 50 minutes into a one-hour first response target:
    the escalation scan warns her of both."""
    SlaPolicy.objects.create(name="Everything", first_response_minutes=60)
    conversations = [
        write_in(north, "maria@example.com", "Order 123", minutes_ago=50, name="Maria López"),
        write_in(north, "otto@example.com", "Refund please", minutes_ago=52, name="Otto Berg"),
    ]
    for conversation in conversations:
        actions.assign(admin, conversation, assignee=agent_north)
    assert len(escalation.scan().events) == 2
    return conversations


def bell_count(page) -> str:
    return page.locator("#bell-count").inner_text()


def test_the_bell_leads_to_the_warned_conversation(browser_page, agent_north, warned):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    assert bell_count(page) == "2"
    assert page.get_by_role("link", name="Notifications: 2 unread").is_visible()

    page.locator("#bell").click()
    page.wait_for_url("**/notifications/")
    rows = page.locator("[data-row]")
    assert rows.count() == 2
    assert page.locator("[data-row].unread").count() == 2
    assert (
        "Order 123: the response target is due" in page.locator("#notification-rows").inner_text()
    )
    screenshot(page, "notifications")

    order_row = page.locator("[data-row]", has_text="Order 123")
    order_row.get_by_role("button").click()
    page.wait_for_url(f"**/conversations/{warned[0].pk}/")
    assert bell_count(page) == "1"

    page.goto("/notifications/")
    assert page.locator("[data-row].unread").count() == 1
    page.keyboard.press("j")  # the keyboard opens a row too
    if not page.locator("[data-row].selected.unread").count():
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/conversations/{warned[1].pk}/")
    assert bell_count(page) == "0"
    # The zero stays for screen readers only.
    assert page.locator("#bell").get_attribute("class") == "bell"
    assert page.locator("#bell-count").bounding_box()["width"] <= 1


def test_mark_all_read_at_phone_width(browser_page, agent_north, warned):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "nora", "pw-nora-123")
    page.goto("/notifications/")
    assert page.locator("#bell-count").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "notifications-phone")

    page.get_by_role("button", name="Mark all read").click()
    page.locator(".flash", has_text="2 notifications marked read.").wait_for()
    assert page.locator("[data-row].unread").count() == 0
    assert bell_count(page) == "0"


def test_the_inbox_poll_rings_the_bell_without_a_reload(
    browser_page, agent_north, warned, settings
):
    settings.HELPLINE_INBOX_POLL_SECONDS = 1
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    assert bell_count(page) == "2"

    breach = SlaEvent.objects.create(
        conversation=warned[0], kind="breach", clock="response", due_at=timezone.now()
    )
    notify.tell([agent_north], warned[0], breach)

    # A locator waits without evaluating a string: the CSP refuses eval (wait_for_function's).
    expect(page.locator("#bell-count")).to_have_text("3", timeout=10_000)
    assert "/notifications/" not in page.url


def test_call_back_at_from_the_conversation_page_lands_on_the_worklist(
    browser_page, agent_north, north
):
    conversation = write_in(north, "maria@example.com", "Call me", name="Maria López")
    customer_actions.add_identity(agent_north, conversation.customer, "phone", MARIA)
    tomorrow = (
        timezone.localtime(timezone.now(), ZoneInfo(north.timezone)) + timedelta(days=1)
    ).replace(hour=11, minute=30)
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{conversation.pk}/")

    page.keyboard.press("c")  # opens "Call back at…" and puts the cursor in its first field
    assert page.evaluate("document.activeElement.id") == "callback-number"
    page.get_by_label("Number", exact=True).select_option(MARIA)
    page.get_by_label("Call back at").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "call-back-at-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Put on the callback worklist").click()

    shown = f"{tomorrow.day} {tomorrow:%b %Y}, 11:30"  # on Nora's clock, North Street's
    flash = page.locator(".flash", has_text=f"Call back {MARIA} at {shown}.")
    flash.wait_for()
    callback = Callback.objects.get()
    assert callback.conversation_id == conversation.pk
    assert page.locator(f"#open-callback-{callback.pk}").is_visible()  # beside the thread
    screenshot(page, "call-back-at")

    flash.get_by_role("link", name="See the worklist").click()
    page.wait_for_url("**/callbacks/**")
    row = page.locator(f"#callback-{callback.pk}")
    assert "Maria López" in row.inner_text()
    assert "Asked for a call back" in row.inner_text()
