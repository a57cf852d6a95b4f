"""The callback worklist: who to call back, on which number, by when; and each try."""

from django.db import models

from helpline.conversations.models import Conversation
from helpline.core.models import Location, LocationScoped, User
from helpline.customers.models import Customer


class Reason(models.TextChoices):
    MISSED_CALL = "missed_call", "Missed call"
    ABANDONED_CALL = "abandoned_call", "Abandoned call"
    VOICEMAIL = "voicemail", "Voicemail"
    REQUESTED = "requested", "Asked for a call back"


class CallbackStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    FAILED = "failed", "Failed, needs a manual look"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    LEFT_MESSAGE = "left_message", "Left a message"


class Callback(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="callbacks")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    phone_number = models.CharField(max_length=32, help_text="E.164")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    status = models.CharField(
        max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.OPEN
    )
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0, help_text="Tries nobody answered")
    max_attempts = models.PositiveIntegerField()
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)

    objects = LocationScoped.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["status", "due_at"], name="callback_worklist"),
            models.Index(fields=["customer", "status"], name="callback_customer_status"),
        ]
        constraints = [
            # Two deliveries of the same missed call, or two agents at once, make one callback.
            models.UniqueConstraint(
                fields=["customer", "phone_number"],
                condition=models.Q(status="open"),
                name="callback_one_open_per_number",
            )
        ]

    def __str__(self):
        return f"Call {self.phone_number} back ({self.get_reason_display()})"


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="tries")
    agent = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"
