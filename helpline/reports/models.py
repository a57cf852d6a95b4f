"""What the reports read: one row of facts per conversation, kept after every change.

A row is always recomputed whole from the source tables (conversations, messages, waits,
the activity log, SLA events) by `helpline.reports.facts`, so keeping it is idempotent and
does not depend on the order the events arrive in; `helpline rebuild-rollups` recomputes
them all. Report pages read these rows and never scan messages.
"""

from django.db import models

from helpline.conversations.models import Channel, Conversation, Status
from helpline.core.models import Location, Team, User


class ConversationFact(models.Model):
    conversation = models.OneToOneField(
        Conversation, primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    opened_at = models.DateTimeField()
    # In the location's time zone (UTC without a location): the day, weekday (Monday 0)
    # and hour the conversation began, for volume and the heat map.
    opened_day = models.DateField()
    opened_weekday = models.PositiveSmallIntegerField()
    opened_hour = models.PositiveSmallIntegerField()
    we_started = models.BooleanField(default=False)
    customer_first_at = models.DateTimeField(null=True, blank=True)
    # Our first response to the customer's first message (its Wait): none without one.
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_business_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_response_wall_seconds = models.PositiveIntegerField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    solved_day = models.DateField(null=True, blank=True)
    # From opening to solving, less the time it spent pending or solved before (as the
    # resolution clock of the SLA pauses); only while solved or closed.
    resolution_business_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_wall_seconds = models.PositiveIntegerField(null=True, blank=True)
    # None: no service level target applied (or not decided yet).
    response_target_met = models.BooleanField(null=True, blank=True)
    resolution_target_met = models.BooleanField(null=True, blank=True)
    responses = models.PositiveIntegerField(default=0)
    reopened = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["opened_day", "location"], name="fact_opened_location"),
            models.Index(fields=["solved_day", "location"], name="fact_solved_location"),
            models.Index(fields=["location", "status", "opened_at"], name="fact_backlog"),
            models.Index(fields=["assignee", "opened_day"], name="fact_assignee_opened"),
        ]

    def __str__(self):
        return f"facts of #{self.conversation_id}"


# The columns a recomputation writes (all but the key).
FACT_FIELDS = [f.name for f in ConversationFact._meta.concrete_fields if f.name != "conversation"]
