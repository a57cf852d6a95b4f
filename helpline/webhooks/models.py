"""Outbound webhooks: endpoints an admin configures, and the deliveries queued for them.

A delivery is an outbox row written in the transaction of the event it announces and sent
by a worker (core.work_queue): claimed with a conditional UPDATE, retried with back-off,
"failed" after its last try until someone sends it again. Each try is kept as an attempt.
"""

import secrets
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models


class WebhookEvent(models.TextChoices):
    """What an endpoint may subscribe to; conversation.solved is a status change to solved."""

    SURVEY_ANSWERED = "survey.answered", "A survey was answered"
    RECOVERY_OPENED = "recovery.opened", "A recovery case was opened"
    RECOVERY_STEP = "recovery.step", "A recovery case took a step"
    RECOVERY_CLOSED = "recovery.closed", "A recovery case was closed"
    MESSAGE_RECEIVED = "message.received", "A message was received"
    CONVERSATION_SOLVED = "conversation.solved", "A conversation was solved"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def validate_webhook_url(value: str) -> None:
    """An http(s) URL with a host and no credentials; anything else is refused on save."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"not a valid URL ({exc})", code="invalid") from exc
    if parts.scheme not in ("http", "https"):
        raise ValidationError("must start with https:// or http://", code="scheme")
    if not parts.hostname:
        raise ValidationError("must name a host", code="host")
    if parts.username or parts.password:
        raise ValidationError("must not carry a user name or password", code="credentials")
    if parts.fragment:
        raise ValidationError("must not have a #fragment", code="fragment")
    if port == 0:
        raise ValidationError("port 0 is not a port", code="port")
    if any(ch.isspace() for ch in value):
        raise ValidationError("must not contain spaces", code="space")


class Webhook(models.Model):
    name = models.CharField(max_length=200)
    url = models.CharField(
        "URL",
        max_length=2000,
        validators=[validate_webhook_url],
        help_text="Where each event is POSTed as JSON (https:// in production). Redirects "
        "are not followed.",
    )
    secret = models.CharField(
        max_length=100,
        default=new_secret,
        editable=False,
        help_text="Signs every delivery (the Helpline-Signature header).",
    )
    events = models.JSONField(default=list, help_text="The WebhookEvent values it receives.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if unknown:
            raise ValidationError({"events": f"unknown events: {', '.join(sorted(unknown))}"})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good"


class WebhookDelivery(models.Model):
    """One event for one endpoint; its body is fixed when queued, so every try sends the same
    bytes (only the signature's timestamp changes)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # Stable over every try and every "send again": the receiver de-duplicates on it.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    event_id = models.CharField(
        max_length=40, help_text="The event's id, the same for every endpoint."
    )
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["webhook", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook} ({self.status})"


class WebhookAttempt(models.Model):
    """One try of a delivery, as the receiver answered it (or why it could not)."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="Its first kilobytes only.")
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.status_code or self.error[:40]} at {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
