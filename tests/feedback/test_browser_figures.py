"""The Surveys figures page in a real Chromium: styled like the desk's other report tables,
and readable on a phone without the page scrolling sideways."""

import pytest

from tests.browser import screenshot, sign_in
from tests.desk.conftest import write_in
from tests.feedback.test_desk import _answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def answered(north, agent_north):
    for n, (kind, score) in enumerate(
        [("csat", 5), ("csat", 2), ("nps", 9), ("nps", 3), ("ces", 6), ("ces", 2)]
    ):
        conversation = write_in(north, f"customer{n}@example.com", "Where is it?")
        _answer(conversation, kind, score)


def cell_style(page, selector: str) -> dict:
    return page.evaluate(
        """selector => {
            const cell = document.querySelector(selector);
            const style = getComputedStyle(cell);
            const table = getComputedStyle(cell.closest("table"));
            return {padding: style.paddingLeft, border: style.borderBottomStyle,
                    align: style.textAlign, collapse: table.borderCollapse};
        }""",
        selector,
    )


def test_the_figures_table_is_styled_like_the_recovery_report(browser_page, answered):
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto("/surveys/")
    assert page.locator("#figure-csat td").first.inner_text() == "50.0 %"
    screenshot(page, "survey-figures-1280")
    # The recovery report's tables: collapsed borders, padded cells, a rule under each row,
    # figures right-aligned.
    style = cell_style(page, "#figure-csat td")
    assert float(style.pop("padding").removesuffix("px")) >= 6
    assert style == {"border": "solid", "align": "right", "collapse": "collapse"}


def test_on_a_phone_each_row_is_a_card_of_labelled_figures(browser_page, answered):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, "nora", "pw-nora-123")
    page.goto("/surveys/")
    screenshot(page, "survey-figures-375")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    lines = page.evaluate(
        """() => [...document.querySelectorAll("#figure-ces td")].map(cell => [
            getComputedStyle(cell, "::before").content, cell.getBoundingClientRect().width])"""
    )
    assert [label for label, _ in lines] == [
        '"Score"',
        '"Answers"',
        '"Surveys sent / conversations solved"',
        '"Answers / surveys sent"',
    ]
    assert all(width > 300 for _, width in lines)  # one line each, the phone's width
