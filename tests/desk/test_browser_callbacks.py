"""The callback worklist in a real Chromium: a missed call is on it, a try nobody answered
moves it on, and reaching the customer takes it off."""

import pytest

from helpline.callbacks.models import Callback, CallbackStatus
from helpline.channels.phone.calls import CallEvent, record_call
from helpline.channels.phone.models import PhoneLine
from tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NORTH_NUMBER = "+442071838750"
MARIA = "+447700900123"


@pytest.fixture
def missed_call(north):
    PhoneLine.objects.create(number=NORTH_NUMBER, location=north)
    event = CallEvent(
        provider="pbx",
        call_id="c-1",
        direction="inbound",
        from_number=MARIA,
        to_number=NORTH_NUMBER,
        outcome="missed",
        customer_name="Maria López",
    )
    return record_call(event).message


def test_work_through_a_callback(browser_page, agent_north, missed_call):
    callback = Callback.objects.get()
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto("/callbacks/")
    row = page.locator(f"#callback-{callback.pk}")
    assert "Maria López" in row.inner_text()
    assert row.get_by_role("link", name=MARIA).get_attribute("href") == f"tel:{MARIA}"
    assert "Not tried yet" in row.inner_text()
    screenshot(page, "callbacks")

    row.get_by_label("Outcome").select_option(label="No answer")
    row.get_by_label("Note").fill("Rang ten times")
    row.get_by_role("button", name="Record outcome").click()
    page.locator(".flash", has_text="No answer: Maria López is due again").wait_for()
    row = page.locator(f"#callback-{callback.pk}")
    assert "1 of 4 tries" in row.inner_text()
    callback.refresh_from_db()
    assert callback.attempts == 1 and callback.status == CallbackStatus.OPEN
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "callbacks-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    row.get_by_label("Outcome").select_option(label="Reached")
    row.get_by_role("button", name="Record outcome").click()
    page.locator(".flash", has_text="the callback to Maria López is done").wait_for()
    assert page.locator(f"#callback-{callback.pk}").count() == 0
    assert page.locator("#callbacks-empty").is_visible()
    callback.refresh_from_db()
    assert callback.status == CallbackStatus.DONE
