"""What the phone channel keeps: which of our numbers belongs to which location."""

from django.core.exceptions import ValidationError
from django.db import models

from helpline.core.models import Location, Team
from helpline.customers.identities import InvalidIdentity, normalise_phone


class PhoneLine(models.Model):
    """One of our numbers: calls to or from it land on its location and team."""

    number = models.CharField(max_length=32, unique=True, help_text="E.164, e.g. +442071838750")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="phone_lines")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.number

    def clean(self):
        # Stored as E.164 so that a provider's number finds it however the admin typed it.
        region = self.location.country if self.location_id else ""
        try:
            self.number = normalise_phone(self.number, region)
        except InvalidIdentity as exc:
            raise ValidationError({"number": str(exc)}) from None
