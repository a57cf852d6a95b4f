"""Triage and the phone-width desk in a real Chromium: bulk actions, the typing warning, and
the inbox at 375 px."""

from pathlib import Path

import pytest

from helpline.conversations import actions
from helpline.conversations.models import Conversation, Status
from helpline.sla.models import SlaPolicy
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 667}
SHOTS = Path("/work/notes/shots/inbox")


def shot(page, name: str) -> None:
    screenshot(page, name)
    if SHOTS.parent.is_dir():  # the reviewer's copy, on the development machine
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def busy_inbox(north, admin, agent_north):
    """Work at North Street under a one-hour first response target, some of it breached."""
    SlaPolicy.objects.create(name="Everything", first_response_minutes=60)
    people = [
        ("olga", "Broken kettle", "The kettle I bought on Monday leaks at the base.", 240),
        ("piet", "Refund please", "I returned the toaster and have no refund yet.", 50),
        ("quinn", "Opening hours", "Are you open on Sunday afternoon?", 3),
        ("rosa", "Invoice copy", "Could you send me a copy of invoice 2231?", 30),
    ]
    names = {"olga": "Olga Berg", "piet": "Piet Aarts", "quinn": "Quinn Ray", "rosa": "Rosa Diaz"}
    made = [
        write_in(north, f"{who}@example.com", subject, text, minutes_ago=ago, name=names[who])
        for who, subject, text, ago in people
    ]
    actions.assign(admin, made[0], assignee=agent_north)
    actions.set_priority(admin, made[1], "urgent")
    actions.set_tags(admin, made[3], ["billing"])
    return made


def test_bulk_solve_and_assign_from_the_inbox(browser_page, agent_north, busy_inbox):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    assert "Mine" in page.locator("#list-title").inner_text()  # she has work: she lands there
    page.get_by_role("link", name="All open").click()
    rows = page.locator("[data-row]")
    assert rows.count() == 4
    first = rows.nth(0)
    assert first.locator(".preview").inner_text().startswith("The kettle I bought")
    assert first.locator(".sla").inner_text() == "SLA breached 3h ago"
    assert page.locator(".bulk-actions").is_hidden()  # nothing picked yet
    shot(page, "inbox-1280")

    page.get_by_label(f"Select #{busy_inbox[2].pk} Opening hours").check()
    page.get_by_label(f"Select #{busy_inbox[3].pk} Invoice copy").check()
    assert page.locator("[data-picked]").inner_text() == "2 selected"
    page.locator(".bulk-actions").get_by_role("button", name="Solve").click()
    page.get_by_text("Solved 2 conversations.").wait_for()
    statuses = dict(Conversation.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in busy_inbox] == [
        Status.NEW,
        Status.NEW,
        Status.SOLVED,
        Status.SOLVED,
    ]

    page.locator("#pick-all").check()
    assert page.locator("[data-picked]").inner_text() == "2 selected"
    page.get_by_label("Assign to").select_option(label="Me")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.get_by_text("Assigned to Nora: 2 conversations.").wait_for()
    assert set(
        Conversation.objects.filter(status=Status.NEW).values_list("assignee", flat=True)
    ) == {agent_north.pk}


def test_the_phone_width_inbox(chromium, live_server, agent_north, busy_inbox):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    sign_in(page, "nora", "pw-nora-123")
    page.goto("/?view=open")

    header = page.locator(".topbar").bounding_box()
    assert header["height"] <= 100, f"the header takes {header['height']} px of 667"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Every view's tab is on the screen, none scrolled off to the side.
    for name in ("Mine", "Unassigned", "All open", "Pending", "Solved"):
        tab = page.locator(".views").get_by_role("link", name=name).bounding_box()
        assert tab["x"] >= 0 and tab["x"] + tab["width"] <= PHONE["width"], name
        assert tab["y"] + tab["height"] <= PHONE["height"], name

    # The filters are folded away, one tap from use.
    channel = page.locator(".filters").get_by_label("Channel")
    assert channel.is_hidden()
    page.locator(".filter-panel summary").click()
    assert channel.is_visible()
    channel.select_option("email")
    page.locator(".filters").get_by_role("button", name="Filter").click()
    page.wait_for_url("**channel=email**")
    assert page.locator("[data-row]").count() == 4
    assert page.locator(".filters").get_by_label("Channel").is_visible()  # filters on: open

    row = page.locator("[data-row]").nth(0)
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert row.locator(".preview").is_visible() and row.locator(".sla").is_visible()
    page.goto("/?view=open")
    shot(page, "inbox-375")
    page.locator(".filter-panel summary").click()
    shot(page, "inbox-375-filters")
    context.close()


def test_someone_typing_is_shown_at_the_top_of_the_conversation(
    chromium, live_server, agent_north, admin, busy_inbox, settings
):
    settings.HELPLINE_PRESENCE_SECONDS = 3
    conversation = busy_inbox[0]
    for n in range(8):  # a long thread puts the composer far below the fold
        actions.add_note(admin, conversation, f"Checked the stock, step {n}.\n" * 6)
    pages = []
    for username, password in (("nora", "pw-nora-123"), ("ada", "pw-ada-123")):
        context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
        page = context.new_page()
        sign_in(page, username, password)
        page.goto(f"/conversations/{conversation.pk}/")
        pages.append(page)
    nora, ada = pages
    ada.locator("#reply-text").click()
    ada.keyboard.type("Let me check")
    warning = nora.locator("#presence", has_text="Ada is typing a reply")
    warning.wait_for()
    nora.evaluate("window.scrollTo(0, 0)")
    box = warning.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the warning is below the fold"
    thread = nora.locator("#thread").bounding_box()
    assert box["y"] < thread["y"], "the warning comes after the messages"
    shot(nora, "conversation-typing-375")
    for page in pages:
        page.context.close()
