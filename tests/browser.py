"""A real Chromium (Debian's, /usr/bin/chromium) driven by Playwright, against a live server.

Playwright's sync API runs an event loop in the test's thread, so Django's
async-safety check must be told that synchronous ORM calls there are fine.
Screenshots go to $HELPLINE_ARTIFACTS (default: artifacts/screenshots), which CI keeps.
Pages carry a Content-Security-Policy that refuses eval, and `page.wait_for_function`
evaluates its string with eval: wait with locators and `expect(...)` instead
(`page.evaluate` is not affected).
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, require

CHROMIUM = os.environ.get("HELPLINE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("HELPLINE_ARTIFACTS", REPO / "artifacts" / "screenshots"))
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    require(shutil.which(CHROMIUM) is not None, f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser context at 1280px; `page.goto("/")` is relative to the live server."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def sign_in(page, username: str, password: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
