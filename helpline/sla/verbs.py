"""The activity log's verbs for service levels and notifications."""

from django.db import models


class Verb(models.TextChoices):
    POLICY_CREATED = "sla_policy.created", "created an SLA policy"
    POLICY_UPDATED = "sla_policy.updated", "changed an SLA policy"
    POLICY_DELETED = "sla_policy.deleted", "deleted an SLA policy"
    NOTIFICATION_READ = "notification.read", "read a notification"
    NOTIFICATIONS_ALL_READ = "notification.all_read", "marked all notifications read"
