"""In a real Chromium: the composer's own script measures the time spent writing a reply and
the reply view records it; the agent's week then shows it, at desk and phone widths."""

import pytest

from helpline.timeaudit import actions
from helpline.timeaudit.models import TimeEntry
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
WIDE = {"width": 1280, "height": 900}


def test_the_time_spent_writing_a_reply_reaches_the_week(browser_page, agent_north, mailbox):
    page = browser_page
    conversation = write_in(
        agent_north.locations.get(), "olga@example.com", "Broken kettle", mailbox=mailbox
    )
    actions.log_time(agent_north, kind="stock", minutes=40, note="Unpacking the delivery")
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{conversation.pk}/")
    page.locator("#reply-text").click()
    page.locator("#reply-text").press_sequentially("A new lid is on its way.")
    page.wait_for_timeout(1500)  # the measure is at least this long
    page.locator("#reply-submit").click()
    page.wait_for_url(lambda url: "#message-" in url)
    entry = TimeEntry.objects.get(kind="reply")
    assert entry.agent_id == agent_north.pk
    assert entry.conversation_id == conversation.pk
    assert entry.seconds >= 1

    page.goto("/time/")
    assert "of the time touched a customer" in page.locator("#time-share").inner_text()
    assert "Writing replies" in page.locator("#time-by-kind").inner_text()
    screenshot(page, "time-audit-week-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, "time-audit-week-375")
    page.goto(f"/time/agents/{agent_north.pk}/review/")
    assert "Stock and deliveries" in page.locator("#task-review").inner_text()
    screenshot(page, "time-audit-review-375")
    page.set_viewport_size(WIDE)
    screenshot(page, "time-audit-review-1280")
