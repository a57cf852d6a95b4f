"""Two-factor sign-in in a real Chromium at 1280 px: an agent sets it up on /me/ from the QR
code's page (the secret read off the page, the code computed here per RFC 6238), keeps the
recovery codes, signs out and signs in again with the password and a code. Every page of
the way holds the Content-Security-Policy and asks no other host."""

import re

import pytest
from playwright.sync_api import expect

from helpline.core.models import SignInRecord
from tests.browser import screenshot, sign_in
from tests.test_offline_pages import Offline
from tests.totp import fresh_code, key_of_secret, totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_sets_up_two_factor_and_signs_in_with_a_code(browser_page, agent_north):
    page = browser_page
    offline = Offline(page)
    sign_in(page, "nora", "pw-nora-123")

    offline.open("/me/")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    qr = page.get_by_role("img", name="QR code of your two-factor secret")
    expect(qr).to_be_visible()
    # Drawn from our own route: it loads (on a busy machine, after the page is shown).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    secret = page.locator("#two-factor-secret").inner_text()
    screenshot(page, "two-factor-set-up")
    offline.assert_clean("/me/two-factor/ with its QR code")

    page.get_by_label("Code from the app").fill(totp(key_of_secret(secret)))
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", c) for c in codes.all_inner_texts())
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have kept them").click()
    expect(page.locator("#my-two-factor")).to_contain_text("On:")

    page.get_by_role("button", name="Sign out").click()
    page.goto("/sign-in/")
    page.get_by_label("Username or email").fill("nora")
    page.get_by_label("Password").fill("pw-nora-123")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in/code/")
    offline.assert_clean("/sign-in/code/")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong or was used already")
    expect(page.get_by_label("Code from your authenticator app")).to_be_focused()
    screenshot(page, "two-factor-code-wrong")

    page.get_by_label("Code from your authenticator app").fill(fresh_code(agent_north))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    offline.assert_clean("signing in with a code")
    outcomes = list(SignInRecord.objects.order_by("pk").values_list("outcome", "factor"))
    assert outcomes[-3:] == [("signed_out", ""), ("wrong_code", ""), ("signed_in", "totp")]
