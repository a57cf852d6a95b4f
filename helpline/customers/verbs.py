"""The activity log's verbs for customers."""

from django.db import models


class Verb(models.TextChoices):
    CREATED = "customer.created", "created the customer"
    IDENTITY_ADDED = "customer.identity_added", "added an address or number"
    IDENTITY_REMOVED = "customer.identity_removed", "removed an address or number"
    UPDATED = "customer.updated", "changed the customer's details"
    FIELDS_CHANGED = "customer.fields_changed", "changed the customer's custom fields"
    LANGUAGE_DETECTED = "customer.language_detected", "detected the customer's language"
    COMPANY_CREATED = "company.created", "created a company"
    FIELD_DEFINED = "custom_field.defined", "defined a custom field"
    FIELD_CHANGED = "custom_field.changed", "changed a custom field"
    FIELD_DELETED = "custom_field.deleted", "deleted a custom field and its values"
    NOTE_ADDED = "customer.note_added", "added a note on the customer"
    MERGED = "customer.merged", "merged two customers"
    UNMERGED = "customer.unmerged", "undid a merge"
    EXPORTED = "customer.exported", "exported everything about the customer"
    ERASED = "customer.erased", "erased the customer's personal data"
