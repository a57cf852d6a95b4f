"""Customers, the identities (addresses, numbers, visitors) they reach us from, the company
they belong to, and the custom fields an admin defines for them."""

from django.db import models
from django.db.models.functions import Lower

from helpline.core.models import Location, LocationScoped, User


class Language(models.TextChoices):
    """The languages mail to customers is translated into (helpline/locale)."""

    ENGLISH = "en", "English"
    GERMAN = "de", "German"
    SPANISH = "es", "Spanish"
    FRENCH = "fr", "French"


class Company(models.Model):
    """An organisation customers belong to; shared by every location."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "companies"
        constraints = [models.UniqueConstraint(Lower("name"), name="company_unique_name_any_case")]

    def __str__(self):
        return self.name


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        blank=True,
        help_text="What mail to the customer is written in; empty: detected from their messages",
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, help_text="Home location"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LocationScoped.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.name or f"Customer #{self.pk}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name else ""

    def primary_email(self) -> str:
        identity = self.identities.filter(kind=IdentityKind.EMAIL).order_by("id").first()
        return identity.value if identity else ""


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email address"
    PHONE = "phone", "Phone number"
    CHAT = "chat", "Chat visitor"


def reversed_digits(kind: str, value: str) -> str:
    """A phone number's digits, last first: "4471" is found as a prefix of "1744…" in an index."""
    if kind != IdentityKind.PHONE:
        return ""
    return "".join(ch for ch in reversed(value) if ch.isdigit())


class Identity(models.Model):
    """How a customer is recognised on a channel: one normalised value per kind."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=10, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    # Phones only: the digits reversed, so that the last digits of a number are an index range.
    digits_reversed = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_value")
        ]

    def __str__(self):
        return self.value

    @classmethod
    def of(cls, customer: Customer, kind: str, value: str) -> "Identity":
        """A new identity of a normalised value, ready for save() or bulk_create()."""
        return cls(
            customer=customer, kind=kind, value=value, digits_reversed=reversed_digits(kind, value)
        )


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.body[:60]


class CustomFieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class CustomField(models.Model):
    """A fact an admin wants kept about every customer (contract number, birthday, tier…)."""

    key = models.SlugField(
        max_length=50, unique=True, help_text="Its name in the API and in searches"
    )
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=CustomFieldKind.choices)
    choices = models.JSONField(default=list, blank=True, help_text="Choice fields: the options")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class CustomValue(models.Model):
    """One customer's value of a custom field, stored in its canonical text form.

    Numbers as Python writes a Decimal, dates as ISO 8601 (so text order is date order),
    choices as the option: `value` compares and indexes the same for every kind.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="custom_values")
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "field"], name="one_value_per_field")
        ]
        indexes = [models.Index(fields=["value", "field"], name="custom_value_lookup")]

    def __str__(self):
        return self.value
