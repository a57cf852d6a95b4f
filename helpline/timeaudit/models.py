"""Time entries and the rules that say which kinds of time touch a customer."""

from django.db import models

from helpline.conversations.models import Conversation
from helpline.core.models import User


class Source(models.TextChoices):
    AUTOMATIC = "automatic", "Recorded by Helpline"
    MANUAL = "manual", "Logged by hand"
    CALENDAR = "calendar", "Imported from a calendar"


class TimeEntry(models.Model):
    """A stretch of an agent's working time, of one kind.

    Kept in seconds: a reply written in 40 seconds is 40 seconds, not "1 minute" or "0".
    Entries recorded by Helpline and imported ones carry a `source_key` naming what they came
    from (a message, an appointment, a calendar event's UID and start), unique per agent, so
    an event delivered twice or a file imported twice adds nothing.
    """

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="time_entries")
    started_at = models.DateTimeField()
    seconds = models.PositiveIntegerField()
    kind = models.CharField(max_length=40, help_text="A TimeKind's key")
    title = models.CharField(
        max_length=200, blank=True, help_text="A calendar event's summary; empty otherwise"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    source_key = models.CharField(max_length=400, blank=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "source_key"],
                condition=~models.Q(source_key=""),
                name="time_entry_once_per_source",
            )
        ]
        indexes = [models.Index(fields=["agent", "started_at"], name="time_entry_agent_week")]

    def __str__(self):
        return f"{self.kind} of {self.agent} at {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> float:
        return round(self.seconds / 60, 1)

    @property
    def task(self) -> str:
        """What the task review groups by: a calendar event's title, else the kind."""
        return self.title or self.kind


class TimeKind(models.Model):
    """A kind of time and whether it touches a customer: the rules an admin edits.

    The built-in kinds (`kinds.DEFAULTS`) apply until a row changes them; a row with a key of
    its own adds a kind agents can log by hand.
    """

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    customer_impacting = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self):
        return self.label
