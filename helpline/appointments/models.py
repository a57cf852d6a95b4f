"""Appointments: a callback or an in-store visit booked for a time slot, and what became of it."""

from django.db import models

from helpline.conversations.models import Conversation
from helpline.core.models import Location, LocationScoped, User
from helpline.customers.models import Customer


class Kind(models.TextChoices):
    CALLBACK = "callback", "Callback"
    IN_STORE = "in_store", "In-store appointment"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    MISSED = "missed", "Missed"
    MISSED_BY_US = "missed_by_us", "Missed on our side"
    CANCELLED = "cancelled", "Cancelled"


class Appointment(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="appointments")
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text="Where the booking, the invitation and the outcome are on the timeline",
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    agent = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        help_text="Who will call the customer or receive them",
    )
    phone_number = models.CharField(max_length=32, blank=True, help_text="E.164, for a callback")
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Also set when the invitation made a reminder needless"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    # The customer's calendar knows the event by its UID; each change sent raises SEQUENCE.
    uid = models.CharField(max_length=255, unique=True)
    sequence = models.PositiveIntegerField(default=0)

    objects = LocationScoped.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="appointment_reminder_scan"),
            models.Index(fields=["agent", "status", "starts_at"], name="appointment_agent_busy"),
            models.Index(fields=["location", "starts_at", "id"], name="appointment_location_time"),
            models.Index(fields=["starts_at", "id"], name="appointment_by_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="appointment_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} with {self.customer} at {self.starts_at:%Y-%m-%d %H:%M}"
