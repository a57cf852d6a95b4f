"""The activity log's verbs for business hours."""

from django.db import models


class Verb(models.TextChoices):
    HOURS_SET = "location.hours_set", "set the opening hours"
    CLOSURE_ADDED = "location.closure_added", "added a closure"
    CLOSURE_REMOVED = "location.closure_removed", "removed a closure"
