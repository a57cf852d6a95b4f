"""The activity log's verbs for the time audit."""

from django.db import models


class Verb(models.TextChoices):
    LOGGED = "time.logged", "logged time"
    IMPORTED = "time.imported", "imported a calendar"
    REMOVED = "time.removed", "removed a time entry"
    KIND_ADDED = "time.kind_added", "added a kind of time"
    RULES_CHANGED = "time.rules_changed", "changed which kinds of time touch a customer"
