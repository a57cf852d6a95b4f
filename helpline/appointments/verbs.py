"""The activity log's verbs for appointments."""

from django.db import models


class Verb(models.TextChoices):
    BOOKED = "appointment.booked", "booked an appointment"
    RESCHEDULED = "appointment.rescheduled", "moved an appointment"
    CANCELLED = "appointment.cancelled", "cancelled an appointment"
    OUTCOME_RECORDED = "appointment.outcome_recorded", "recorded how an appointment went"
    REMINDED = "appointment.reminded", "reminded the customer of an appointment"
    MAIL_SENT = "appointment.mail_sent", "learned the customer's mail was sent"
    MAIL_FAILED = "appointment.mail_failed", "learned the customer's mail could not be sent"
