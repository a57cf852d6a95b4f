"""The activity log's verbs for webhooks."""

from django.db import models


class Verb(models.TextChoices):
    WEBHOOK_CREATED = "webhook.created", "added a webhook"
    WEBHOOK_UPDATED = "webhook.updated", "changed a webhook"
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated", "gave a webhook a new secret"
    WEBHOOK_DELETED = "webhook.deleted", "deleted a webhook"
    WEBHOOK_SENT_AGAIN = "webhook.sent_again", "sent a webhook delivery again"
