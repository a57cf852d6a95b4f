"""The activity log's verbs for customers."""

from django.db import models


class Verb(models.TextChoices):
    CREATED = "customer.created", "created the customer"
    IDENTITY_ADDED = "customer.identity_added", "added an address or number"
    UPDATED = "customer.updated", "changed the customer's details"
    NOTE_ADDED = "customer.note_added", "added a note on the customer"
    MERGED = "customer.merged", "merged two customers"
    UNMERGED = "customer.unmerged", "undid a merge"
