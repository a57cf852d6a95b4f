"""A customer's company, language and custom fields in a real Chromium, at desk and phone
widths: set on the edit page, shown on the profile, and the company's page."""

import pytest

from helpline.customers import actions
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def maria(north, admin):
    customer = write_in(
        north, "maria@example.com", "Kettle leaks", "It leaks", name="Maria Lopez"
    ).customer
    actions.add_identity(None, customer, "phone", "+44 20 7946 4471")
    actions.define_field(admin, key="contract", label="Contract number", kind="text")
    actions.define_field(admin, key="tier", label="Tier", kind="choice", choices=["Gold", "Silver"])
    actions.define_field(admin, key="renewal", label="Renewal", kind="date")
    return customer


def at_both_widths(page, name: str) -> None:
    screenshot(page, name)
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, f"{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_company_language_and_fields_on_a_customer(browser_page, agent_north, north, maria):
    page = browser_page
    write_in(north, "otto@example.com", "Invoice", name="Otto Acme")
    sign_in(page, "nora", "pw-nora-123")

    page.goto(f"/customers/{maria.pk}/edit/")
    page.get_by_label("Company").fill("Acme Kettles")
    page.get_by_label("Language for mail").select_option(label="German")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".flash", has_text="Customer saved.").wait_for()

    page.goto(f"/customers/{maria.pk}/edit/")
    page.get_by_label("Contract number").fill("C-2231")
    page.get_by_label("Tier").select_option("Gold")
    page.get_by_label("Renewal").fill("2027-03-01")
    at_both_widths(page, "customer-edit")
    page.get_by_role("button", name="Save fields").click()
    page.locator(".flash", has_text="Custom fields saved.").wait_for()

    assert page.locator("#customer-company").inner_text() == "Acme Kettles"
    assert page.locator("#customer-language").inner_text() == "German"
    assert page.locator('#customer-fields dd[data-key="tier"]').inner_text() == "Gold"
    at_both_widths(page, "customer")

    page.get_by_role("link", name="Acme Kettles").click()
    page.locator("#company-name", has_text="Acme Kettles").wait_for()
    assert "Maria Lopez" in page.locator("#company-customers").inner_text()
    assert "Kettle leaks" in page.locator("#company-conversations").inner_text()
    at_both_widths(page, "company")

    page.goto("/customers/?q=4471")
    assert "Maria Lopez" in page.locator("#customer-rows").inner_text()
    at_both_widths(page, "customers-last-digits")


def test_an_admin_defines_a_field(browser_page, admin, maria):
    page = browser_page
    sign_in(page, admin.username, "pw-ada-123")
    page.goto("/customers/")
    page.get_by_role("link", name="Custom fields").click()
    page.get_by_label("Label").fill("Seats")
    page.get_by_label("Key", exact=True).fill("seats")
    page.get_by_label("Kind").select_option(label="Number")
    page.get_by_role("button", name="Add field").click()
    page.locator(".flash", has_text="Added the field Seats.").wait_for()
    assert "seats" in page.locator("#custom-field-list").inner_text()
    at_both_widths(page, "custom-fields")
