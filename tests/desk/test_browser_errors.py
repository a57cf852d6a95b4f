"""Errors in a real Chromium: a refused form lands the agent on the message beside the field
(at phone width, with and without JavaScript); a failed callback and a failed mail each
offer the way on."""

import pytest
from django.test import Client

from helpline.callbacks import actions as callback_actions
from helpline.callbacks.models import Callback, CallbackStatus, Reason
from helpline.channels.email import outbox
from helpline.channels.email.models import OutboxStatus
from helpline.conversations import actions
from helpline.customers.actions import add_identity, create_customer
from tests.browser import ARTIFACTS, screenshot, sign_in
from tests.conftest import free_port
from tests.desk.conftest import write_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def olga(north, mailbox, agent_north):
    conversation = write_in(
        north,
        "olga@example.com",
        "Broken kettle",
        "The lid snapped off. " * 40,  # a long thread: the composer is far below the fold
        name="Olga Berg",
        mailbox=mailbox,
    )
    add_identity(agent_north, conversation.customer, "phone", "+447700900123")
    return conversation


def seen(page, name: str) -> None:
    """What the agent sees: the viewport only, where a full-page shot would not say whether
    the error is in view."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def overview(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
    screenshot(page, name)


def in_viewport(page, selector: str) -> bool:
    """Wholly on screen, and not under the sticky top bar."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    bar = page.locator(".topbar").bounding_box()
    return (
        box is not None
        and box["y"] >= bar["y"] + bar["height"]
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"] + 1
    )


def test_a_bad_callback_number_is_explained_in_view_at_phone_width(browser_page, olga):
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/")
    page.locator("#call-back summary").click()
    page.locator("#callback-other-number").fill("12ab")
    page.locator("#callback-submit").click()

    error = page.locator("#callback-error")
    error.wait_for()
    assert "“12ab” is not a phone number" in error.inner_text()
    assert "The string supplied" not in page.content()
    assert in_viewport(page, "#callback-error")
    assert in_viewport(page, "#callback-other-number")
    assert page.evaluate("document.activeElement.id") == "callback-other-number"
    seen(page, "errors-callback-number-phone")
    page.set_viewport_size(DESKTOP)
    page.locator("#callback-error").scroll_into_view_if_needed()
    seen(page, "errors-callback-number")


def test_without_javascript_the_browser_still_lands_on_the_field(
    chromium, live_server, olga, agent_north
):
    client = Client()
    client.force_login(agent_north)
    cookie = client.cookies["sessionid"]
    context = chromium.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto(f"/conversations/{olga.pk}/")
        page.locator("#call-back summary").click()
        page.locator("#callback-other-number").fill("12ab")
        page.locator("#callback-submit").click()
        page.locator("#callback-error").wait_for()
        assert in_viewport(page, "#callback-other-number")  # autofocus scrolled to it
    finally:
        context.close()


def test_a_failed_callback_can_be_renumbered_called_again_or_dismissed(
    browser_page, north, agent_north
):
    wrong = callback_actions.record_attempt(
        agent_north,
        callback_actions.create_callback(
            None,
            create_customer(None, name="Maria López", location=north),
            "+447700900111",
            Reason.MISSED_CALL,
        ),
        "wrong_number",
    )
    gone = callback_actions.record_attempt(
        agent_north,
        callback_actions.create_callback(
            None,
            create_customer(None, name="Otto Nobody", location=north),
            "+447700900222",
            Reason.MISSED_CALL,
        ),
        "wrong_number",
    )
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto("/callbacks/")
    overview(page, "errors-failed-callbacks")
    page.set_viewport_size(PHONE)
    overview(page, "errors-failed-callbacks-phone")

    row = page.locator(f"#failed-{wrong.pk}")
    row.get_by_text("Edit number…").click()
    row.get_by_label("Number to call").fill("12ab")
    row.get_by_role("button", name="Save and call again").click()
    page.locator(f"#number-error-{wrong.pk}").wait_for()
    assert in_viewport(page, f"#number-error-{wrong.pk}")
    assert "“12ab” is not a phone number" in page.locator(f"#number-error-{wrong.pk}").inner_text()
    seen(page, "errors-failed-callback-number-phone")

    row = page.locator(f"#failed-{wrong.pk}")
    row.get_by_label("Number to call").fill("07700 900 333")
    row.get_by_role("button", name="Save and call again").click()
    page.locator(".flash", has_text="Maria López is back on the worklist").wait_for()
    assert page.locator(f"#callback-{wrong.pk}").is_visible()
    wrong.refresh_from_db()
    assert (wrong.status, wrong.phone_number) == (CallbackStatus.OPEN, "+447700900333")

    row = page.locator(f"#failed-{gone.pk}")
    row.get_by_text("Dismiss…").click()
    row.get_by_label("Why nobody will call back").fill("Number no longer in service")
    row.get_by_role("button", name="Dismiss").click()
    page.locator(".flash", has_text="Dismissed the callback to Otto Nobody").wait_for()
    assert page.locator(f"#failed-{gone.pk}").count() == 0
    assert Callback.objects.get(pk=gone.pk).status == CallbackStatus.CLOSED
    page.set_viewport_size(DESKTOP)


def test_a_failed_mail_says_why_and_is_retried(browser_page, olga, agent_north, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.HELPLINE_OUTBOX_MAX_ATTEMPTS = 1
    message = actions.reply(agent_north, olga, "A new lid is on its way.")
    assert outbox.deliver(message.outbound.pk) == OutboxStatus.FAILED

    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.goto(f"/conversations/{olga.pk}/#message-{message.pk}")
    problem = page.locator(f"#message-{message.pk}-delivery")
    assert "Not sent: The mail server refused the connection." in problem.inner_text()
    problem.scroll_into_view_if_needed()
    seen(page, "errors-failed-mail")
    page.set_viewport_size(PHONE)
    problem.scroll_into_view_if_needed()
    seen(page, "errors-failed-mail-phone")
    page.set_viewport_size(DESKTOP)

    problem.get_by_role("button", name="Retry").click()
    page.locator(".flash", has_text="Sending to olga@example.com again.").wait_for()
    assert page.locator(f"#message-{message.pk}-delivery").count() == 0


def test_a_taken_number_links_its_owner_with_a_merge(browser_page, olga, north):
    maria = create_customer(None, name="Maria López", location=north)
    page = browser_page
    sign_in(page, "nora", "pw-nora-123")
    page.set_viewport_size(PHONE)
    page.goto(f"/customers/{maria.pk}/edit/")
    page.locator("#id_kind").select_option("phone")
    page.locator("#id_value").fill("07700 900123")
    page.get_by_role("button", name="Add identity").click()
    error = page.locator("#id_value_error")
    error.wait_for()
    assert in_viewport(page, "#id_value_error")
    seen(page, "errors-taken-number-phone")
    page.set_viewport_size(DESKTOP)
    overview(page, "errors-taken-number")
    error.get_by_role("link", name="merge them").click()
    page.wait_for_url(f"**/customers/{maria.pk}/merge/?other={olga.customer_id}")
    assert "Olga Berg" in page.locator("main").inner_text()
