"""Queueing webhook deliveries in the event's transaction, and sending them from the worker.

Each delivery is POSTed with the standard library's http.client: a timeout on every socket
operation, no redirect followed (a 3xx is a failure, like any answer outside 2xx), and only
the first kilobytes of the answer kept in the attempt log. A worker that dies between the
POST and recording it sends the delivery again later: receivers de-duplicate on the
Helpline-Delivery header, which is the same on every try.
"""

import http.client
import json
import logging
import ssl
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from helpline.core.work_queue import WorkQueue
from helpline.webhooks import signing
from helpline.webhooks.models import (
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    validate_webhook_url,
)

log = logging.getLogger(__name__)

USER_AGENT = "Helpline-Webhooks/1"
RESPONSE_LIMIT = 2048  # bytes of a receiver's answer kept in the attempt log

DELIVERIES = WorkQueue(
    WebhookDelivery,
    pending=DeliveryStatus.PENDING,
    claimed=DeliveryStatus.SENDING,
    done=DeliveryStatus.SENT,
    failed=DeliveryStatus.FAILED,
    claim_seconds=lambda: settings.HELPLINE_WEBHOOK_CLAIM_SECONDS,
    max_attempts=lambda: settings.HELPLINE_WEBHOOK_MAX_ATTEMPTS,
    retry_seconds=lambda: settings.HELPLINE_WEBHOOK_RETRY_SECONDS,
)


def body(event: str, event_id: str, created_at: str, data: dict) -> str:
    return json.dumps(
        {"id": event_id, "event": event, "created_at": created_at, "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def queue(announcements: Iterable[tuple[str, dict]]) -> list[WebhookDelivery]:
    """One delivery per active endpoint that wants each (webhook event, payload); call inside
    the transaction of the events, which the rows commit or roll back with."""
    announcements = list(announcements)
    if not announcements:
        return []
    endpoints = list(Webhook.objects.filter(active=True).only("pk", "events"))
    if not endpoints:
        return []
    now = timezone.now()
    rows = []
    for event, data in announcements:
        wanting = [endpoint for endpoint in endpoints if event in endpoint.events]
        if not wanting:
            continue
        event_id = f"evt_{uuid.uuid4().hex}"
        text = body(event, event_id, now.isoformat(), data)
        rows += [
            WebhookDelivery(
                webhook_id=endpoint.pk,
                event=event,
                event_id=event_id,
                body=text,
                next_attempt_at=now,
            )
            for endpoint in wanting
        ]
    if not rows:
        return []
    created = WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: enqueue(ids))
    return created


def enqueue(ids: list[int]) -> None:
    from helpline.webhooks.tasks import send_webhooks

    try:
        send_webhooks.delay(ids)
    except Exception:  # the broker is down: the beat sweep sends them later
        log.exception("could not enqueue %d webhook deliveries", len(ids))


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    text: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, payload: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST once; never follows a redirect, never raises for the receiver's sake."""
    started = time.monotonic()
    status_code, text, error = None, "", ""
    try:
        validate_webhook_url(url)
        parts = urlsplit(url)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname or "",
                parts.port,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname or "", parts.port, timeout=timeout
            )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("POST", target, body=payload, headers=headers)
            response = connection.getresponse()
            status_code = response.status
            raw = response.read(RESPONSE_LIMIT + 1)
        finally:
            connection.close()
        text = raw[:RESPONSE_LIMIT].decode("utf-8", errors="replace")
        if len(raw) > RESPONSE_LIMIT:
            text += " …(cut)"
        if not 200 <= status_code < 300:
            where = response.getheader("Location")
            error = f"HTTP {status_code} {response.reason}"
            if where and 300 <= status_code < 400:
                error += f" (redirect to {where[:300]} not followed)"
    except ValidationError as exc:
        error = f"URL refused: {'; '.join(exc.messages)}"
    except Exception as exc:  # the network, TLS, a malformed answer: all worth a retry
        error = f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return Answer(status_code, text, error[:2000], duration)


def headers_for(delivery: WebhookDelivery, payload: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Helpline-Event": delivery.event,
        "Helpline-Delivery": str(delivery.uuid),
        signing.HEADER: signing.header(delivery.webhook.secret, payload),
    }


def deliver(delivery_id: int) -> str:
    """Send one delivery if it is due and nobody has it; its status afterwards."""
    if DELIVERIES.claim(delivery_id) is None:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if not delivery.webhook.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            claimed_at=None,
            last_error="not sent: the webhook is disabled",
        )
        return DeliveryStatus.FAILED
    payload = delivery.body.encode()
    answer = post(
        delivery.webhook.url,
        payload,
        headers_for(delivery, payload),
        settings.HELPLINE_WEBHOOK_TIMEOUT_SECONDS,
    )
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=timezone.now(),
            status_code=answer.status_code,
            response_body=answer.text,
            error=answer.error,
            duration_ms=answer.duration_ms,
        )
        if answer.ok:
            DELIVERIES.finish(delivery, sent_at=timezone.now())
            return DeliveryStatus.SENT
        status = DELIVERIES.fail(delivery, answer.error)
    log.warning("webhook delivery %s to %s failed: %s", delivery.pk, delivery.webhook, answer.error)
    return status


def deliver_due(limit: int = 200) -> int:
    """Retries that are due, tasks that were lost, claims of workers that died."""
    ids = DELIVERIES.due_ids(limit)
    for delivery_id in ids:
        deliver(delivery_id)
    return len(ids)


def forget_sent(older_than_days: int | None = None) -> int:
    days = settings.HELPLINE_WEBHOOK_KEEP_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENT, sent_at__lt=cutoff
    ).delete()
    return deleted
