"""A customer's data on request in a real Chromium, at desk and phone widths: an admin
downloads the export from the customer page and erases the customer after typing the name;
an agent of the same location never sees the section."""

import json
import zipfile

import pytest

from helpline.core.models import Activity
from helpline.customers import actions
from helpline.customers.models import Customer
from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Maria Lopez-Hernández"


@pytest.fixture
def maria(north, admin):
    customer = write_in(
        north, "maria@example.com", "Kettle leaks", "It leaks again", name=NAME
    ).customer
    actions.add_identity(None, customer, "phone", "+44 20 7946 4471")
    actions.add_note(admin, customer, "Prefers mornings")
    return customer


def at_both_widths(page, name: str) -> None:
    screenshot(page, name)
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, f"{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_exports_then_erases(browser_page, admin, maria):
    page = browser_page
    sign_in(page, admin.username, "pw-ada-123")
    page.goto(f"/customers/{maria.pk}/")
    section = page.locator("#data-request")
    section.wait_for()
    at_both_widths(page, "customer-data-request")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export data (ZIP)").click()
    assert download.value.suggested_filename == f"customer-{maria.pk}.zip"
    archive = zipfile.ZipFile(download.value.path())
    document = json.loads(archive.read("customer.json"))
    assert document["customer"]["name"] == NAME
    assert document["conversations"][0]["messages"][0]["text"] == "It leaks again"

    # A slip is refused next to the field, and nothing happens.
    page.get_by_label("to confirm").fill("Maria Lopez")
    page.get_by_role("button", name="Erase personal data").click()
    error = page.locator("#erase-error")
    error.wait_for()
    assert NAME in error.inner_text()
    assert page.get_by_label("to confirm").get_attribute("aria-invalid") == "true"
    at_both_widths(page, "customer-erase-refused")
    assert Customer.objects.get(pk=maria.pk).name == NAME

    page.get_by_label("to confirm").fill(NAME)
    page.get_by_role("button", name="Erase personal data").click()
    page.locator(".flash", has_text="personal data was erased").wait_for()
    assert page.locator("#customer-name").inner_text() == f"Erased customer #{maria.pk}"
    assert (
        "No email address or phone number yet." in page.locator("#customer-identities").inner_text()
    )
    page.locator("#customer-erased").wait_for()
    assert page.locator("#erase-form").count() == 0
    history = page.locator("#customer-history").inner_text()
    assert "Erased their personal data" in history and "Exported their data" in history
    assert NAME not in page.content() and "It leaks again" not in page.content()
    at_both_widths(page, "customer-erased")
    assert Activity.objects.filter(verb="customer.erased", actor=admin).count() == 1


def test_an_agent_sees_no_data_request(browser_page, agent_north, maria):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/customers/{maria.pk}/")
    page.locator("#customer-name", has_text=NAME).wait_for()
    assert page.locator("#data-request").count() == 0
    response = page.goto(f"/customers/{maria.pk}/export/")
    assert response.status == 403
