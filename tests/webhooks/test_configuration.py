"""Only admins configure webhooks; a URL that is not http(s) never gets saved."""

import pytest

from helpline.core.errors import ActionError
from helpline.webhooks import actions
from helpline.webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "https://",
        "https://user:pw@example.com/hook",
        "example.com/hook",
        "http://example.com:99999/",
    ],
)
def test_a_url_that_is_not_http_is_refused(admin, url):
    with pytest.raises(ActionError) as refused:
        actions.create_webhook(admin, name="X", url=url, events=["survey.answered"])
    assert refused.value.field == "url"
    assert not Webhook.objects.exists()


def test_unknown_or_no_events_are_refused(admin):
    for events, text in ((["survey.sent"], "unknown events: survey.sent"), ([], "at least one")):
        with pytest.raises(ActionError, match=text) as refused:
            actions.create_webhook(admin, name="X", url="https://crm.test/h", events=events)
        assert refused.value.field == "events"


def test_an_agent_may_not_configure_a_webhook(agent_north):
    with pytest.raises(PermissionError):
        actions.create_webhook(
            agent_north, name="X", url="https://crm.test/h", events=["survey.answered"]
        )


def test_an_admin_adds_a_webhook_on_the_settings_page(client, admin):
    client.force_login(admin)

    refused = client.post(
        "/settings/webhooks/new/",
        {"name": "CRM", "url": "ftp://crm.test/hook", "events": ["survey.answered"]},
    )
    assert refused.status_code == 400
    assert "must start with https:// or http://" in refused.content.decode()
    assert 'id="id_url_error"' in refused.content.decode()
    assert not Webhook.objects.exists()

    added = client.post(
        "/settings/webhooks/new/",
        {
            "name": "CRM",
            "url": "https://crm.test/hook",
            "events": ["survey.answered", "conversation.solved"],
            "active": "on",
        },
    )
    webhook = Webhook.objects.get()
    assert added.status_code == 302 and added.url == f"/settings/webhooks/{webhook.pk}/"
    assert webhook.events == ["survey.answered", "conversation.solved"]
    assert webhook.secret.startswith("whsec_") and len(webhook.secret) > 40
    page = client.get(added.url).content.decode()
    assert webhook.secret in page and "Nothing sent yet" in page

    # Disabled by unticking "active"; a new secret replaces the old one.
    client.post(added.url, {"name": "CRM", "url": webhook.url, "events": ["survey.answered"]})
    webhook.refresh_from_db()
    assert not webhook.active and webhook.events == ["survey.answered"]
    old = webhook.secret
    client.post(f"/settings/webhooks/{webhook.pk}/new-secret/")
    webhook.refresh_from_db()
    assert webhook.secret != old


def test_the_admin_site_refuses_a_bad_url_and_sends_a_delivery_again(client, admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)

    page = client.post(
        "/admin/webhooks/webhook/add/",
        {"name": "CRM", "url": "file:///etc/passwd", "events": ["survey.answered"], "active": "on"},
    )
    assert (
        page.status_code == 200 and "must start with https:// or http://" in page.content.decode()
    )
    assert not Webhook.objects.exists()

    page = client.post(
        "/admin/webhooks/webhook/add/",
        {"name": "CRM", "url": "https://crm.test/h", "events": ["survey.answered"], "active": "on"},
    )
    assert page.status_code == 302
    webhook = Webhook.objects.get()
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event="survey.answered",
        event_id="evt_x",
        body="{}",
        status="failed",
        attempts=12,
        last_error="HTTP 500 Internal Server Error",
        next_attempt_at="2026-01-01T00:00:00Z",
    )
    log = client.get(f"/admin/webhooks/webhookdelivery/?webhook__id__exact={webhook.pk}")
    assert "HTTP 500 Internal Server Error" in log.content.decode()

    client.post(
        "/admin/webhooks/webhookdelivery/",
        {"action": "send_again", "_selected_action": [delivery.pk]},
    )

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0


def test_the_api_lists_webhooks_and_their_deliveries_to_admins_only(client, admin, agent_north):
    from helpline.core.tokens import issue_token

    webhook = actions.create_webhook(
        admin, name="CRM", url="https://crm.test/h", events=["survey.answered"]
    )
    made = [
        WebhookDelivery.objects.create(
            webhook=webhook,
            event="survey.answered",
            event_id=f"evt_{n}",
            body="{}",
            status="failed" if n % 2 else "sent",
            next_attempt_at="2026-01-01T00:00:00Z",
        )
        for n in range(5)
    ]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(admin)}"}

    [listed] = client.get("/api/webhooks", **auth).json()
    assert listed["url"] == "https://crm.test/h" and "secret" not in listed
    first = client.get(f"/api/webhooks/{webhook.pk}/deliveries?limit=2", **auth).json()
    rest = client.get(
        f"/api/webhooks/{webhook.pk}/deliveries?limit=10&cursor={first['next_cursor']}", **auth
    ).json()
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert ids == [delivery.pk for delivery in reversed(made)]
    assert first["items"][0]["delivery_id"] == str(made[-1].uuid)
    failed = client.get(f"/api/webhooks/{webhook.pk}/deliveries?status=failed", **auth).json()
    assert [item["id"] for item in failed["items"]] == [made[3].pk, made[1].pk]
    bad = client.get(f"/api/webhooks/{webhook.pk}/deliveries?status=lost", **auth)
    assert bad.status_code == 422 and "status" in bad.content.decode()
    assert client.get("/api/webhooks/999999/deliveries", **auth).status_code == 404

    agent = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(agent_north)}"}
    assert client.get("/api/webhooks", **agent).status_code == 403


def test_the_webhook_page_shows_recent_deliveries_with_the_last_answer(client, admin):
    from django.utils import timezone

    from helpline.webhooks.models import WebhookAttempt

    webhook = actions.create_webhook(
        admin, name="CRM", url="https://crm.test/h", events=["survey.answered"]
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event="survey.answered",
        event_id="evt_1",
        body="{}",
        attempts=2,
        next_attempt_at=timezone.now(),
    )
    for status in (500, 502):
        WebhookAttempt.objects.create(
            delivery=delivery, at=timezone.now(), status_code=status, error=f"HTTP {status}"
        )
    client.force_login(admin)

    page = client.get(f"/settings/webhooks/{webhook.pk}/").content.decode()

    assert "HTTP 502" in page and "HTTP 500" not in page  # the latest try only
    assert "2 tries" in page and str(delivery.uuid) in page
    assert f"/settings/webhooks/deliveries/{delivery.pk}/send-again/" in page
    client.post(f"/settings/webhooks/deliveries/{delivery.pk}/send-again/")
    delivery.refresh_from_db()
    assert delivery.attempts == 0 and delivery.status == "pending"
