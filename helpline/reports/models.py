"""What the reports read: one row of facts per conversation, kept after every change.

A row is always recomputed whole from the source tables (conversations, messages, waits,
the activity log, SLA events) by `helpline.reports.facts`, so keeping it is idempotent and
does not depend on the order the events arrive in; `helpline rebuild-rollups` recomputes
them all. Report pages read these rows and never scan messages.
"""

from django.db import models

from helpline.conversations.models import Channel, Conversation, Status
from helpline.core.models import Location, StaffEmail, Team, User


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


# The perception gap (helpline.reports.perception): what the staff believe about their team,
# answered once per person per period, beside what the customers measured.


class PeriodLength(models.IntegerChoices):
    MONTH = 1, "Monthly"
    QUARTER = 3, "Quarterly"


class SelfAssessmentSettings(models.Model):
    """One row (pk 1): how long a self-assessment period is, set by an admin."""

    period_months = models.PositiveSmallIntegerField(
        choices=PeriodLength.choices, default=PeriodLength.MONTH
    )

    def __str__(self):
        return "Self-assessment settings"


RATING = [(i, str(i)) for i in range(1, 6)]


class SelfAssessment(models.Model):
    """One person's estimates about their team for one period, in the customers' units.

    Only aggregates of three answers or more are ever shown to anyone but the author."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="self_assessments")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    period_start = models.DateField()
    period_end = models.DateField()  # inclusive
    csat_share = models.DecimalField(
        "Share of customers rating us 4 or 5 (%)", max_digits=4, decimal_places=1
    )
    first_reply_hours = models.DecimalField(
        "Typical wait for our first reply (business hours)", max_digits=6, decimal_places=1
    )
    callback_reach_share = models.DecimalField(
        "Share of callbacks that reach the customer (%)", max_digits=4, decimal_places=1
    )
    first_contact_share = models.DecimalField(
        "Share of problems solved on the first contact (%)", max_digits=4, decimal_places=1
    )
    recovery_share = models.DecimalField(
        "Share of customers with a bad experience we win back (%)", max_digits=4, decimal_places=1
    )
    rating_responsiveness = models.PositiveSmallIntegerField("Responsiveness", choices=RATING)
    rating_promises = models.PositiveSmallIntegerField("Keeping promises", choices=RATING)
    rating_first_time = models.PositiveSmallIntegerField("Solving first time", choices=RATING)
    rating_courtesy = models.PositiveSmallIntegerField("Courtesy", choices=RATING)
    rating_recovery = models.PositiveSmallIntegerField("Recovery", choices=RATING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period_start"], name="self_assessment_one_per_period"
            )
        ]
        indexes = [models.Index(fields=["period_start", "team"], name="self_assessment_team")]

    def __str__(self):
        return f"self-assessment of {self.user} from {self.period_start}"


# The weekly digest (helpline.reports.digest): each manager's last week beside the week before.


class Digest(models.Model):
    """That one manager's digest of one week was queued: the row is what makes sending twice
    in a week send once (one per person and week). The mail itself, its text and HTML, its
    status and retries, is a core.StaffEmail, sent by the staff mail's worker and sweep."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="digests")
    week_start = models.DateField()  # the Monday of the week it was sent in (theirs)
    # None only once the mail row was deleted (by hand): the week still had its digest.
    email = models.OneToOneField(
        StaffEmail, null=True, on_delete=models.SET_NULL, related_name="digest"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="digest_one_per_week")
        ]

    def __str__(self):
        status = self.status or "mail deleted"
        return f"digest of {self.user} for the week of {self.week_start} ({status})"

    @property
    def status(self) -> str:
        """Its mail's status (core.StaffEmailStatus), or "" when the mail is gone."""
        return self.email.status if self.email else ""


class DigestChoice(models.Model):
    """Whether a person gets the weekly digest, when they said so. Without a row: managers
    (and admins who serve locations) get it; admins who serve none do not."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="digest_choice")
    wanted = models.BooleanField()
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user}: digest {'on' if self.wanted else 'off'}"
