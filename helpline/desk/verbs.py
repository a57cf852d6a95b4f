"""The activity log's verbs for what agents keep for themselves in the desk."""

from django.db import models


class Verb(models.TextChoices):
    VIEW_SAVED = "saved_view.saved", "saved an inbox view"
    VIEW_DELETED = "saved_view.deleted", "deleted an inbox view"
