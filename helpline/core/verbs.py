"""The activity log's verbs for the organisation's people and the system."""

from django.db import models


class Verb(models.TextChoices):
    USER_CREATED = "user.created", "created a user"
    TOKEN_ISSUED = "api_token.issued", "issued an API token"
    EVENT_REDELIVERED = "event.redelivered", "ran an event delivery again"
    TIME_ZONE_CHOSEN = "user.time_zone_chosen", "chose the time zone the desk shows"
