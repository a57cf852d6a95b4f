"""In Chromium: an admin adds a webhook on the settings page, gives its secret to a real
receiver, sees a failed delivery with the receiver's answer, and sends it again."""

import re

import pytest
from django.db import transaction

from helpline.core.events import EventName, publish
from helpline.webhooks import outbox
from helpline.webhooks.models import WebhookDelivery
from tests.browser import screenshot, sign_in
from tests.webhooks.test_delivery import ANSWER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_up_a_webhook_and_sends_a_failed_delivery_again(
    browser_page, admin, receiver
):
    page = browser_page
    sign_in(page, "ada", "pw-ada-123")
    page.goto("/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="New webhook").click()
    page.get_by_label("Name", exact=True).fill("CRM")
    page.get_by_label("URL", exact=True).fill("ftp://crm.test/hook")
    page.get_by_label("A survey was answered").check()
    page.get_by_role("button", name="Add webhook").click()
    assert "must start with https:// or http://" in page.locator("#id_url_error").inner_text()
    assert page.get_by_label("A survey was answered").is_checked()  # nothing typed is lost

    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_role("button", name="Add webhook").click()
    page.wait_for_url(re.compile(r".*/settings/webhooks/\d+/$"))
    receiver.secret = page.locator("#webhook-secret").inner_text()
    assert "Nothing sent yet" in page.locator("#deliveries").inner_text()

    receiver.answers = [(500, {}, b"database down"), 200]
    with transaction.atomic():
        publish(EventName.SURVEY_ANSWERED, **ANSWER)
    delivery = WebhookDelivery.objects.get()
    outbox.deliver(delivery.pk)
    page.reload()
    rows = page.locator("#delivery-rows")
    assert "HTTP 500 Internal Server Error" in rows.inner_text()
    assert "Waiting to be sent" in rows.inner_text()
    screenshot(page, "settings-webhook-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "settings-webhook-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    rows.get_by_role("button", name="Send again").click()
    assert "will be sent again" in page.locator("body").inner_text()
    outbox.deliver(delivery.pk)
    page.reload()
    assert "Sent" in page.locator("#delivery-rows").inner_text()
    assert [request.answered for request in receiver.heard] == [500, 200]
    assert all(request.signed for request in receiver.heard)
