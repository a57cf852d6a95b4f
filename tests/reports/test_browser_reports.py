"""A manager opens the reports in a real Chromium, filters by location, drills down from a
number to its conversations, downloads a table as CSV and the page as a PDF, reads what
customers say and opens the candor page; the charts render under the desk's
Content-Security-Policy (no violation), at desktop and phone widths."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import screenshot, sign_in
from tests.reports.conftest import make_history, make_voice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reads_filters_drills_down_and_downloads(browser_page, north, south, admin):
    history = make_history(north, south, admin, size=80)
    make_voice(history)
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page, history.manager.username, "pw")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Volume", exact=True)).to_be_visible()
    page.get_by_label("Location").select_option(label="North Street")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#headline-new .value")).to_be_visible()
    chart = page.locator("img.chart").first
    expect(chart).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", chart.element_handle()) > 0
    screenshot(page, "reports-volume")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "reports-volume-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    shown = int(page.locator("#headline-new .value").inner_text().replace(",", ""))
    with page.expect_download() as download:
        page.locator("#by_channel_day a.csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0][0] == "Day" and rows[-1][0] == "Total"
    assert int(rows[-1][-1]) == shown

    # The page as a PDF, with the same filters: WeasyPrint's, with the title and the figure.
    with page.expect_download() as download:
        page.locator("#report-pdf").click()
    assert download.value.suggested_filename.startswith("volume-")
    made = Path(download.value.path()).read_bytes()
    assert made.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(made)).pages)
    assert "Volume" in text and "North Street" in text and f"{shown:,}" in text

    page.locator("#headline-new .value").click()
    expect(page.get_by_role("heading", name="The conversations behind the figure")).to_be_visible()
    assert page.locator("#drill-rows li.row").count() == min(shown, 200)

    page.goto(f"/reports/responsiveness/?location={north.pk}")
    expect(page.locator("img.chart").first).to_be_visible()
    screenshot(page, "reports-responsiveness")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "reports-responsiveness-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Promises").click()
    expect(page.locator("#headline-reach_rate .value")).to_be_visible()
    screenshot(page, "reports-promises")

    # What customers say: the survey scores, the sentiment and the themes, charted.
    page.get_by_role("link", name="What customers say").click()
    expect(page.get_by_role("heading", name="What customers say", exact=True)).to_be_visible()
    expect(page.locator("#headline-nps .interval")).to_contain_text(" to ")
    expect(page.locator("#sentiment_trend img.chart")).to_be_visible()
    shown = page.locator("#headline-csat_good .n").inner_text()
    screenshot(page, "reports-say")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "reports-say-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#themes tbody a").first.click()
    expect(page.get_by_role("heading", name="The conversations behind the figure")).to_be_visible()
    assert page.locator("#drill-rows li.row").count() > 0
    page.go_back()
    expect(page.locator("#headline-csat_good .n")).to_have_text(shown)

    # Candor: the first team the manager sees, what it said beside what customers measured.
    page.get_by_role("link", name="Candor", exact=True).click()
    expect(page.locator("#candor-title")).to_be_visible()
    expect(page.locator("#group-name")).to_have_text(history.team.name)
    screenshot(page, "reports-candor")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not violations, violations
