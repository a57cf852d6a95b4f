"""The inbox in a real Chromium: sign in, work it with the keyboard, see new mail arrive."""

import pytest

from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(north):
    """Three customers waiting at North Street, the longest first."""
    return [
        write_in(north, "olga@example.com", "Broken kettle", minutes_ago=240, name="Olga Berg"),
        write_in(north, "piet@example.com", "Refund please", minutes_ago=90, name="Piet Aarts"),
        write_in(north, "quinn@example.com", "Opening hours", minutes_ago=3, name="Quinn Ray"),
    ]


def test_sign_in_and_work_the_inbox_with_the_keyboard(browser_page, agent_north, waiting):
    page = browser_page
    page.goto("/")
    assert "/sign-in/" in page.url
    sign_in(page, "nora@shop.test", "pw-nora-123")
    rows = page.locator("[data-row]")
    assert rows.count() == 3
    assert [rows.nth(i).locator(".who").inner_text() for i in range(3)] == [
        "Olga Berg",
        "Piet Aarts",
        "Quinn Ray",
    ]
    assert rows.nth(0).locator(".wait").inner_text().split() == ["Waiting", "4h"]
    screenshot(page, "inbox")

    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator("[data-row].selected .who").inner_text() == "Olga Berg"
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/conversations/{waiting[1].pk}/")
    page.go_back()
    # The row opened last is still the selected one.
    assert page.locator("[data-row].selected .who").inner_text() == "Piet Aarts"

    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog", name="Keyboard shortcuts").is_visible()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.press("Escape")
    page.keyboard.press("j")  # out of the field, keys move through the list again
    assert page.locator("[data-row].selected").count() == 1


def test_new_mail_appears_without_a_reload(browser_page, agent_north, waiting, north, settings):
    settings.HELPLINE_INBOX_POLL_SECONDS = 1
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.keyboard.press("j")
    marker = page.evaluate("window.helplineMarker = 1")  # gone if the page reloads
    write_in(north, "rosa@example.com", "Is my order late?", minutes_ago=500, name="Rosa Diaz")
    page.locator("[data-row] .who", has_text="Rosa Diaz").wait_for()
    assert page.evaluate("window.helplineMarker") == 1, marker
    assert page.locator("[data-row]").first.locator(".who").inner_text() == "Rosa Diaz"
    assert page.locator('[data-count="open"]').inner_text() == "4"
    # The agent's selection survived the redraw.
    assert page.locator("[data-row].selected .who").inner_text() == "Olga Berg"


def test_the_inbox_reads_at_phone_width(browser_page, agent_north, waiting):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert page.locator("[data-row]").count() == 3
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    screenshot(page, "inbox-phone")
