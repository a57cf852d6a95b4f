"""Configuring webhook endpoints and sending deliveries again; admins only.

The desk's settings pages and Django's admin call these.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from helpline.core.activity import record
from helpline.core.errors import ActionError, refuse_unknown
from helpline.core.models import User
from helpline.core.values import required_text
from helpline.webhooks import outbox
from helpline.webhooks.models import (
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    new_secret,
    validate_webhook_url,
)
from helpline.webhooks.verbs import Verb

FIELDS = ("name", "url", "events", "active")


def may_manage_webhooks(user: User | None) -> bool:
    return user is None or user.sees_everything


def _require_admin(actor: User | None) -> None:
    if not may_manage_webhooks(actor):
        raise PermissionError("only an admin configures webhooks")


def clean(values: dict) -> dict:
    """Checked webhook values; an ActionError names the field to blame."""
    refuse_unknown(values, FIELDS)
    cleaned = dict(values)
    required_text(cleaned, "name", "a webhook needs a name")
    required_text(cleaned, "url", "a webhook needs a URL", max_length=2000)
    if "url" in cleaned:
        try:
            validate_webhook_url(cleaned["url"])
        except ValidationError as exc:
            raise ActionError(f"the URL {exc.messages[0]}", "url") from exc
    if "events" in cleaned:
        events = cleaned["events"]
        if isinstance(events, str) or not all(isinstance(e, str) for e in events or []):
            raise ActionError("a list of event names", "events")
        unknown = sorted(set(events) - set(WebhookEvent.values))
        if unknown:
            raise ActionError(f"unknown events: {', '.join(unknown)}", "events")
        if not events:
            raise ActionError("choose at least one event", "events")
        # In the order of WebhookEvent, each once.
        cleaned["events"] = [value for value in WebhookEvent.values if value in events]
    if "active" in cleaned:
        cleaned["active"] = bool(cleaned["active"])
    return cleaned


def _plain(webhook: Webhook) -> dict:
    return {name: getattr(webhook, name) for name in FIELDS}


@transaction.atomic
def create_webhook(actor: User | None, **values) -> Webhook:
    _require_admin(actor)
    values = clean(values)
    for name in ("name", "url", "events"):
        if name not in values:
            raise ActionError(f"a webhook needs {name}", name)
    webhook = Webhook.objects.create(**values)
    record(actor, Verb.WEBHOOK_CREATED, webhook, **_plain(webhook))
    return webhook


@transaction.atomic
def update_webhook(actor: User | None, webhook: Webhook, **changes) -> Webhook:
    _require_admin(actor)
    changes = clean(changes)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    before = _plain(webhook)
    for name, value in changes.items():
        setattr(webhook, name, value)
    webhook.save()
    if _plain(webhook) != before:
        record(actor, Verb.WEBHOOK_UPDATED, webhook, before=before, after=_plain(webhook))
    return webhook


@transaction.atomic
def rotate_secret(actor: User | None, webhook: Webhook) -> Webhook:
    """A new signing secret, in effect for every delivery sent from now on (queued ones
    included); the old one is forgotten (the log keeps no secret)."""
    _require_admin(actor)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.secret = new_secret()
    webhook.save(update_fields=["secret", "updated_at"])
    record(actor, Verb.WEBHOOK_SECRET_ROTATED, webhook)
    return webhook


@transaction.atomic
def delete_webhook(actor: User | None, webhook: Webhook) -> None:
    _require_admin(actor)
    record(actor, Verb.WEBHOOK_DELETED, webhook, **_plain(webhook))
    webhook.delete()


@transaction.atomic
def send_again(actor: User | None, deliveries) -> int:
    """Someone asks for deliveries (failed ones, usually; a sent one too, for a receiver that
    lost it) to be sent again from the first try, with the same delivery id. One being sent
    right now is left alone: it is not sent twice at once."""
    _require_admin(actor)
    rows = WebhookDelivery.objects.filter(
        pk__in=list(deliveries.values_list("pk", flat=True))
    ).exclude(status=DeliveryStatus.SENDING)
    ids = list(rows.values_list("pk", flat=True))
    count = outbox.DELIVERIES.again(
        WebhookDelivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.SENDING)
    )
    for pk in ids:
        record(actor, Verb.WEBHOOK_SENT_AGAIN, WebhookDelivery(pk=pk))
    if ids:
        transaction.on_commit(lambda: outbox.enqueue(ids))
    return count
