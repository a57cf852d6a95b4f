"""Service level policies, the events their clocks raise, and the desk notifications they send.

A conversation's clocks themselves live on the conversation (sla_policy, response_due_at,
resolution_due_at, sla_due_at, sla_next_check_at …) so that the inbox sorts by them and
the escalation scan reads them from an index; helpline.sla.clocks keeps them up to date.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from helpline.conversations.models import Channel, Conversation, Priority
from helpline.core.models import Location, Team, User

# A year of business minutes: more is surely a typing slip.
MAX_TARGET_MINUTES = 366 * 24 * 60
MAX_CHAT_SECONDS = 24 * 3600


def _target(help_text: str):
    return models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
        help_text=f"{help_text}, in business minutes; empty: no target",
    )


class SlaPolicy(models.Model):
    """Targets for the conversations it matches; the first matching policy (by position) wins.

    Each match criterion left empty matches anything.
    """

    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0, help_text="Lower positions are tried first")
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True, default="")
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True, default="")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE)
    first_response_minutes = _target("The first response to a new conversation")
    next_response_minutes = _target("Every later response to the customer")
    resolution_minutes = _target("Solving it, time spent pending not counted")
    # A chat's visitor waits on the page: its first answer is counted in seconds.
    chat_first_response_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CHAT_SECONDS)],
        help_text="The first answer in a chat, in business seconds; empty: the first response "
        "target applies",
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        default=80,
        validators=[MaxValueValidator(99)],
        help_text="Warn when this share of a target has passed; 0: no warning",
    )
    raise_priority_to = models.CharField(
        max_length=10,
        choices=Priority.choices,
        blank=True,
        default="",
        help_text="On a warning or a breach, raise the priority to this (never lowers it)",
    )
    reassign_to_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="On a warning or a breach, hand the conversation to this team, unassigned",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self):
        return self.name

    def matches(self, conversation: Conversation) -> bool:
        return (
            (not self.priority or self.priority == conversation.priority)
            and (not self.channel or self.channel == conversation.channel)
            and (self.location_id is None or self.location_id == conversation.location_id)
        )


class EventKind(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"


class Clock(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class SlaEvent(models.Model):
    """A clock of a conversation reached its warning point or its due time.

    Unique per due point: the scan that inserts it sends the notifications, any other
    that tries at the same moment fails to insert it and sends nothing.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sla_events"
    )
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    clock = models.CharField(max_length=10, choices=Clock.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind", "clock", "due_at"], name="sla_event_once"
            )
        ]

    def __str__(self):
        return f"{self.clock} {self.kind} of #{self.conversation_id} (due {self.due_at})"


class Notification(models.Model):
    """Something the desk tells one user about a conversation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(SlaEvent, null=True, blank=True, on_delete=models.CASCADE)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self):
        return f"to {self.user}: {self.text}"


class MailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class NotificationEmail(models.Model):
    """The email of a notification, written with it and delivered by the worker.

    The email outbox (channels.email.OutboundEmail) carries customer messages only;
    this is its small sibling for mail to our own people, with the same claim and retry.
    """

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=998)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_mail_due")]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"
