"""In a real Chromium: a manager scores a picked conversation beside the rubric; the agent
reads it on her timeline and replies; another agent's timeline is a 404. Screenshots at
1280 px and at a phone's 375 px."""

import pytest
from playwright.sync_api import expect

from helpline.quality import actions as qa
from helpline.quality.models import Review
from tests.browser import screenshot, sign_in
from tests.quality.conftest import answered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_reply_and_the_timeline_wall(
    browser_page, chromium, live_server, people, north, scorecard
):
    understood, tone, identity = scorecard.criteria
    (conversation,) = answered(north, people.nora, 1, "Kettle")
    pick = qa.choose(people.admin, conversation, people.nora)
    qa.hold_session(people.mona, people.nora, conversation.created_at, "Tone", goals=["Greet"])

    page = browser_page
    sign_in(page, "mona", "pw-mona-123")
    page.goto(f"/quality/picks/{pick.pk}/")
    expect(page.locator("#qa-messages")).to_contain_text("On its way")
    rubric = page.locator("#rubric")
    rubric.locator(f"#criterion-{understood.pk}").get_by_label("4", exact=True).check()
    rubric.locator(f"#criterion-{tone.pk}").get_by_label("5", exact=True).check()
    rubric.locator(f"#criterion-{identity.pk}").get_by_label("N/A").check()
    rubric.get_by_label("Note for the agent").fill("Clear and kind")
    screenshot(page, "qa-review-1280")
    rubric.get_by_role("button", name="Save the review").click()
    expect(page.locator(".review")).to_contain_text("83.3 %")
    assert Review.objects.get().score == 83.3
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/quality/agents/{people.nora.pk}/")
    expect(page.locator("#timeline")).to_contain_text("83.3 %")
    screenshot(page, "qa-timeline-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "qa-timeline-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    page.goto(f"/quality/picks/{pick.pk}/")
    page.get_by_label("Reply").fill("I checked the order first")
    page.get_by_role("button", name="Reply").click()
    expect(page.locator(f"#replies-{Review.objects.get().pk}")).to_contain_text("checked the order")
    screenshot(page, "qa-review-375")

    response = page.goto(f"/quality/agents/{people.nils.pk}/")
    assert response is not None and response.status == 404
