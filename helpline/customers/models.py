"""Customers and the identities (addresses, numbers, visitors) they reach us from."""

from django.db import models

from helpline.core.models import Location, LocationScoped, User


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
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


class Identity(models.Model):
    """How a customer is recognised on a channel: one normalised value per kind."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=10, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_value")
        ]

    def __str__(self):
        return self.value


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.body[:60]
