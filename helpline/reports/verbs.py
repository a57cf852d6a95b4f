"""The activity log's verbs for the reports."""

from django.db import models


class Verb(models.TextChoices):
    DIGEST_QUEUED = "digest.queued", "queued a manager's weekly digest"
    DIGEST_CHOSEN = "digest.chosen", "switched their weekly digest on or off"
