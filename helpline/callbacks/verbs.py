"""The activity log's verbs for the callback worklist."""

from django.db import models


class Verb(models.TextChoices):
    CREATED = "callback.created", "queued a callback"
    ATTEMPTED = "callback.attempted", "tried a callback"
    CLOSED = "callback.closed", "closed a callback"
    REOPENED = "callback.reopened", "reopened a callback"
    VOICEMAIL_LEFT = "callback.voicemail_left", "learned the caller left a voicemail"
    QUEUED_AGAIN = "callback.queued_again", "queued a failed callback again"
    DISMISSED = "callback.dismissed", "dismissed a failed callback"
