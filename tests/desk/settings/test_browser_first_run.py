"""A first run in a real Chromium: an empty desk, its first admin, the setup checklist, a
location with its hours, and the first conversation submitted."""

import pytest

from helpline.conversations.models import Conversation
from helpline.core.actions import create_first_admin
from helpline.core.models import Location
from tests.browser import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def both_widths(page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_first_admin_walks_from_the_checklist_to_a_first_conversation(browser_page):
    page = browser_page
    create_first_admin("owner@shop.test", "first-run-pw-1")
    sign_in(page, "owner@shop.test", "first-run-pw-1")
    page.wait_for_url("**/settings/")
    steps = page.locator("#setup-steps")
    assert "Not done" in steps.locator("#step-location").inner_text()
    both_widths(page, "settings-checklist-empty")

    # Before any location, the new-conversation page says where one comes from.
    page.get_by_role("link", name="New conversation").click()
    hint = page.locator("#no-location")
    assert "there is none yet" in hint.inner_text()
    hint.get_by_role("link", name="Add a location").click()
    page.wait_for_url("**/settings/locations/new/")

    page.get_by_label("Name", exact=True).fill("Harbour Road")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Country (for public holidays)").select_option("DE")
    page.get_by_label("Region").fill("by")
    page.get_by_label("Monday").fill("9-17")  # a slip first: the week is checked as a whole
    page.get_by_label("Tuesday").fill("09:00–17:00, 16:00–18:00")
    page.get_by_role("button", name="Add location").click()
    error = page.locator("#id_hours_tuesday_error")
    assert "Overlaps Tuesday 09:00–17:00" in error.inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == "Harbour Road"
    both_widths(page, "settings-location-error")
    page.get_by_label("Tuesday").fill("09:00–17:00")
    page.get_by_role("button", name="Add location").click()
    page.wait_for_url("**/settings/locations/")
    assert "Mon–Tue 09:00–17:00" in page.locator("#location-rows").inner_text()
    location = Location.objects.get()
    assert (location.timezone, location.country, location.region) == ("Europe/Berlin", "DE", "BY")

    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Getting started"
    ).click()
    assert "Done" in page.locator("#step-location").inner_text()
    assert "Done" in page.locator("#step-hours").inner_text()
    both_widths(page, "settings-checklist-started")

    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Mailboxes").click()
    page.get_by_role("link", name="New mailbox").click()
    both_widths(page, "settings-mailbox-new")

    page.get_by_role("link", name="New conversation").click()
    assert page.locator("#no-location").count() == 0
    page.get_by_label("Name", exact=True).fill("Maria Lopez")
    page.get_by_label("Subject").fill("Where is my parcel?")
    assert page.get_by_label("Location").input_value() == str(location.pk)
    page.get_by_role("button", name="Start conversation").click()
    page.wait_for_url("**/conversations/*/")
    conversation = Conversation.objects.get()
    assert (conversation.subject, conversation.location) == ("Where is my parcel?", location)
    assert "Maria Lopez" in page.locator("#customer-link").inner_text()
