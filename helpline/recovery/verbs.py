"""The activity log's verbs for service recovery."""

from django.db import models


class Verb(models.TextChoices):
    OPENED = "recovery.opened", "opened a recovery case"
    JOINED = "recovery.joined", "added a trigger to a recovery case"
    STEP = "recovery.step", "recorded a recovery step"
    REASSIGNED = "recovery.reassigned", "gave a recovery case to someone"
    CLOSED = "recovery.closed", "closed a recovery case"
    OUTCOME = "recovery.outcome", "learned whether a customer was won back"
    RULES_CHANGED = "recovery.rules_changed", "changed the recovery rules"
    CAUSE_ADDED = "recovery.root_cause_added", "added a root cause"
    CAUSE_CHANGED = "recovery.root_cause_changed", "changed a root cause"
