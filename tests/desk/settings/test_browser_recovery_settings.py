"""In a browser: an admin gives North Street its own recovery threshold, a wrong one first."""

import pytest

from helpline.recovery import actions as recovery_actions
from tests.browser import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_sets_a_locations_csat_threshold(browser_page, admin, north):
    page = browser_page
    sign_in(page, "ada", "pw-ada-123")
    page.goto("/settings/recovery/rules/")
    page.get_by_role("link", name="North Street").click()
    page.get_by_label("CSAT score at most (1–5)").fill("8")
    page.get_by_label("Low NPS").uncheck()
    page.get_by_role("button", name="Save").click()
    error = page.locator("#id_csat_at_most_error")
    assert error.inner_text() == "Ensure this value is less than or equal to 5."
    assert page.get_by_label("CSAT score at most (1–5)").input_value() == "8"
    assert not page.get_by_label("Low NPS").is_checked()  # what was typed stays
    screenshot(page, "settings-recovery-rules-error")
    page.get_by_label("CSAT score at most (1–5)").fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/recovery/rules/")
    assert "Its own rules" in page.locator("#recovery-rule-rows").inner_text()
    rules = recovery_actions.rules_for(north.pk)
    assert (rules.csat_at_most, rules.low_nps) == (3, False)
