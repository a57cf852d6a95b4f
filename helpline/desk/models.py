"""What the desk keeps for each agent: their saved inbox views."""

from django.db import models

from helpline.core.models import User


class SavedView(models.Model):
    """One agent's named set of inbox filters (a view and its filters as a query string)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500, help_text="e.g. view=open&priority=urgent")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")
        ]

    def __str__(self):
        return self.name
