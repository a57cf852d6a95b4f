"""Times in a real Chromium on a phone: on the agent's clock, whole and inside the screen."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from helpline.appointments import actions as appointment_actions
from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import Reason
from helpline.core.models import Role, User
from tests.browser import screenshot as save_screenshot
from tests.browser import sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ABSOLUTE = re.compile(r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2}")
PHONE = {"width": 375, "height": 800}
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def ulla(north, south):
    """Ulla serves North Street first (London time), and South Mall (Berlin) too."""
    user = User.objects.create_user(
        "ulla", "ulla@shop.test", "pw-ulla-123", role=Role.AGENT, first_name="Ulla"
    )
    user.locations.add(north)
    user.locations.add(south)
    return user


@pytest.fixture
def maria(north, south, ulla):
    conversation = write_in(north, "maria@example.com", "Order 123", name="Maria López")
    write_in(south, "sven@example.com", "Bestellung", name="Sven Süd", minutes_ago=200)
    callback = callback_actions.create_callback(
        None,
        conversation.customer,
        "+4915112345678",
        Reason.REQUESTED,
        location=south,
        due_at=timezone.now() + timedelta(hours=3),
        conversation=conversation,
    )
    day = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date() + timedelta(days=2)
    starts = datetime.combine(day, time(15), tzinfo=ZoneInfo("Europe/Berlin"))
    appointment_actions.book(
        ulla, conversation.customer, "in_store", starts, location=south, agent=ulla
    )
    return conversation, callback


def screenshot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header would be drawn mid-page
    save_screenshot(page, name)


def assert_readable(page, locator) -> str:
    """Shown whole: inside the screen's width, nothing cut off, in the desk's one format."""
    locator.scroll_into_view_if_needed()
    lines = locator.evaluate("e => [...e.getClientRects()].map(r => [r.left, r.right])")
    assert lines and all(left >= 0 and right <= PHONE["width"] for left, right in lines), lines
    assert locator.evaluate("e => e.scrollWidth <= e.clientWidth + 1 || e.clientWidth === 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    text = locator.inner_text()
    assert ABSOLUTE.match(text), text
    return text


def test_a_time_is_readable_at_phone_width(browser_page, ulla, maria):
    conversation, callback = maria
    message = conversation.messages.get()
    page = browser_page
    sign_in(page, "ulla", "pw-ulla-123")

    page.set_viewport_size(PHONE)
    page.goto(f"/conversations/{conversation.pk}/")
    text = assert_readable(page, page.locator(f"#message-{message.pk} time"))
    assert "ago" in text and "London time" not in text  # North Street's clock is hers
    beside = assert_readable(page, page.locator(f"#open-callback-{callback.pk} time"))
    assert "London time" in beside and "in 2h" in beside  # South Mall's is not
    screenshot(page, "times-conversation-phone")
    page.set_viewport_size(DESK)
    screenshot(page, "times-conversation")

    page.goto("/callbacks/")
    row_time = page.locator(f"#callback-{callback.pk} time")
    assert "London time" in row_time.inner_text()
    berlin = callback.due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert row_time.get_attribute("title") == (f"{berlin.day} {berlin:%b %Y, %H:%M} at South Mall")
    screenshot(page, "times-callbacks")
    page.set_viewport_size(PHONE)
    assert_readable(page, row_time)
    screenshot(page, "times-callbacks-phone")

    page.goto("/appointments/")
    assert_readable(page, page.locator(".appointment-row time").first)
    screenshot(page, "times-appointments-phone")
    page.set_viewport_size(DESK)
    screenshot(page, "times-appointments")

    page.goto("/")
    screenshot(page, "times-inbox")
    page.set_viewport_size(PHONE)
    screenshot(page, "times-inbox-phone")

    page.goto("/me/")
    page.get_by_label("Show times in").select_option("America/New_York")
    page.get_by_role("button", name="Save").click()
    page.locator(".flash", has_text="Times are now shown in America/New_York.").wait_for()
    screenshot(page, "times-my-settings-phone")
    page.goto(f"/conversations/{conversation.pk}/")
    assert "New York time" in assert_readable(page, page.locator(f"#message-{message.pk} time"))
