"""The activity log's verbs for the organisation's people and the system."""

from django.db import models


class Verb(models.TextChoices):
    USER_CREATED = "user.created", "created a user"
    USER_INVITED = "user.invited", "invited a user"
    PASSWORD_RESET_MAILED = "user.password_reset_mailed", "was sent a password-reset link"
    USER_UPDATED = "user.updated", "changed a user"
    SIGNATURE_CHANGED = "user.signature_changed", "changed their signature"
    TOKEN_ISSUED = "api_token.issued", "issued an API token"
    EVENT_REDELIVERED = "event.redelivered", "ran an event delivery again"
    LOCATION_CREATED = "location.created", "created a location"
    LOCATION_UPDATED = "location.updated", "changed a location"
    TEAM_CREATED = "team.created", "created a team"
    TEAM_UPDATED = "team.updated", "changed a team"
    MAILBOX_CREATED = "mailbox.created", "created a mailbox"
    MAILBOX_UPDATED = "mailbox.updated", "changed a mailbox"
    STAFF_EMAIL_RETRIED = "staff_email.retried", "sent an email to staff again"
    TIME_ZONE_CHOSEN = "user.time_zone_chosen", "chose the time zone the desk shows"
    TWO_FACTOR_ENABLED = "user.two_factor_enabled", "turned on two-factor sign-in"
    TWO_FACTOR_DISABLED = "user.two_factor_disabled", "turned off two-factor sign-in"
    TWO_FACTOR_RESET = "user.two_factor_reset", "reset someone's two-factor sign-in"
    TWO_FACTOR_REQUIRED = "user.two_factor_required", "changed the roles that need two-factor"
