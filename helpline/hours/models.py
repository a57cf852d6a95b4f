"""When a location is open: weekly opening hours and one-off closures.

Public holidays are not stored: they come from the `holidays` package by the
location's country and region (see helpline.hours.holidays).
"""

from datetime import UTC, time

from django.db import models
from django.db.models import Q

from helpline.core.models import Location

MIDNIGHT = time(0, 0)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """One interval of a weekday, in the location's wall-clock time; a day may have several.

    `closes` 00:00 is the midnight that ends the day, so 00:00–00:00 is the whole day.
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text="00:00 means midnight at the end of the day")

    class Meta:
        verbose_name_plural = "opening hours"
        ordering = ["location", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_in_week"),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")) | Q(closes=MIDNIGHT),
                name="hours_opens_before_closes",
            ),
        ]

    def __str__(self):
        closes = "24:00" if self.closes == MIDNIGHT else f"{self.closes:%H:%M}"
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{closes}"


class Closure(models.Model):
    """A one-off closure (stocktaking, a storm): closed from `starts_at` until `ends_at`."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "starts_at", "id"]
        indexes = [models.Index(fields=["location", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")),
                name="hours_closure_ends_after_start",
            ),
        ]

    def __str__(self):
        starts_at, ends_at = self.starts_at.astimezone(UTC), self.ends_at.astimezone(UTC)
        span = f"{starts_at:%Y-%m-%d %H:%M} – {ends_at:%Y-%m-%d %H:%M} UTC"
        return f"{self.reason or 'Closed'} ({span})"
