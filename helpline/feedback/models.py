"""Surveys: the policies that decide who is asked what and when, the surveys sent, their
answers, customers who opted out, and the agents' predictions of a score.

Kinds and their definitions (used everywhere, shown in the UI):

* CSAT 1–5: CSAT % = answers of 4 or 5 / all answers;
* NPS 0–10: NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100;
* CES 1–7: share of 5–7 ("easy"), and the mean.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpline.conversations.models import Channel, Conversation
from helpline.core.models import Location, LocationScoped, Mailbox, Team, User
from helpline.customers.models import Customer, Language


class Kind(models.TextChoices):
    CSAT = "csat", "CSAT"
    NPS = "nps", "NPS"
    CES = "ces", "CES"


# Each kind's scale: (lowest, highest).
SCALES = {Kind.CSAT: (1, 5), Kind.NPS: (0, 10), Kind.CES: (1, 7)}
# The first good score (CSAT ≥ 4, NPS promoter ≥ 9, CES "easy" ≥ 5) and the last bad one
# (the inbox's "rated badly": CSAT ≤ 2, NPS detractor ≤ 6, CES ≤ 3).
GOOD_FROM = {Kind.CSAT: 4, Kind.NPS: 9, Kind.CES: 5}
BAD_UP_TO = {Kind.CSAT: 2, Kind.NPS: 6, Kind.CES: 3}
QUESTIONS = {
    Kind.CSAT: _("How satisfied were you with the help you received?"),
    Kind.NPS: _("How likely are you to recommend us to a friend or colleague?"),
    Kind.CES: _("How much do you agree: the company made it easy to handle my issue."),
}
# What the ends of each scale mean, for the page and the mail.
ENDS = {
    Kind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    Kind.NPS: (_("Not at all likely"), _("Extremely likely")),
    Kind.CES: (_("Strongly disagree"), _("Strongly agree")),
}


def scale(kind: str) -> range:
    low, high = SCALES[Kind(kind)]
    return range(low, high + 1)


def is_bad(kind: str, score: int) -> bool:
    return score <= BAD_UP_TO[Kind(kind)]


def bad_scores() -> models.Q:
    """Answers "rated badly", as a condition on Answer rows."""
    condition = models.Q(pk__in=[])
    for kind, worst in BAD_UP_TO.items():
        condition |= models.Q(kind=kind, score__lte=worst)
    return condition


class SurveyPolicy(models.Model):
    """Which survey follows a solved conversation; the first matching policy (by position)
    wins, matched like SLA policies. Each match criterion left empty matches anything."""

    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0, help_text="Lower positions are tried first")
    active = models.BooleanField(default=True)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True, default="")
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.CSAT)
    delay_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MaxValueValidator(366 * 24 * 60)],
        help_text="How long after the conversation is solved, in business minutes",
    )
    every_days = models.PositiveIntegerField(
        default=14,
        validators=[MinValueValidator(0), MaxValueValidator(3660)],
        help_text="Ask one customer at most once in this many days (0: every time)",
    )
    reminder_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Remind once after this many days without an answer; empty: no reminder",
    )
    language = models.CharField(
        max_length=8,
        choices=Language.choices,
        blank=True,
        default="",
        help_text="The survey's language; empty: the customer's",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "survey policy"
        verbose_name_plural = "survey policies"

    def __str__(self):
        return self.name

    def matches(self, conversation: Conversation) -> bool:
        return (
            self.active
            and (not self.channel or self.channel == conversation.channel)
            and (self.location_id is None or self.location_id == conversation.location_id)
            and (self.mailbox_id is None or self.mailbox_id == conversation.mailbox_id)
        )


class Purpose(models.TextChoices):
    CONTACT = "contact", "After a contact"
    RECOVERY_FOLLOWUP = "recovery_followup", "Recovery follow-up"
    KIOSK = "kiosk", "Walk-in kiosk"


class SurveyStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SKIPPED = "skipped", "Not sent"


class Survey(models.Model):
    """One question to one customer (or, from the kiosk, to a walk-in nobody knows).

    `cause` names what asked for it ("solved:<conversation>:<solved at>", "recovery:<case>",
    "manual:<uuid>"): unique, so a handler that runs twice schedules it once.
    """

    kind = models.CharField(max_length=4, choices=Kind.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.CONTACT)
    status = models.CharField(
        max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.SCHEDULED
    )
    cause = models.CharField(max_length=200, unique=True)
    policy = models.ForeignKey(SurveyPolicy, null=True, blank=True, on_delete=models.SET_NULL)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="surveys"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    recovery_case_id = models.PositiveBigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True, default="")
    recipient = models.CharField(max_length=320, blank=True, default="")
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    not_sent_because = models.CharField(max_length=200, blank=True, default="")
    message_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The survey mail on the conversation"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LocationScoped.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"], condition=models.Q(status="scheduled"), name="survey_due"
            ),
            models.Index(
                fields=["remind_at"],
                condition=models.Q(status="sent", remind_at__isnull=False),
                name="survey_reminder_due",
            ),
            models.Index(fields=["customer", "-sent_at"], name="survey_customer_sent"),
            models.Index(fields=["location", "sent_at"], name="survey_location_sent"),
            # The response rate of a period, every location (helpline.reports.figures).
            models.Index(
                fields=["sent_at", "status", "purpose", "location", "conversation"],
                name="survey_sent",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} survey #{self.pk} ({self.status})"


class Answer(models.Model):
    """A survey's one answer, credited to the agent, team and location of the conversation
    at the moment it was first answered. It may be changed for a few days; it stays one."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="answer")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    score = models.SmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    comment = models.TextField(blank=True, default="")
    # Copied from the survey, so the desk reads answers with one index.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="survey_answers"
    )
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_answers",
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    agent = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="credited_answers"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    answered_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)
    changes = models.PositiveSmallIntegerField(default=0)

    objects = LocationScoped.as_manager()

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [
            models.Index(fields=["conversation"], name="answer_conversation"),
            models.Index(fields=["customer", "-answered_at"], name="answer_customer"),
            models.Index(fields=["location", "answered_at"], name="answer_location"),
        ]

    def __str__(self):
        return f"{self.kind} {self.score} on survey #{self.survey_id}"

    @property
    def bad(self) -> bool:
        return is_bad(self.kind, self.score)

    @property
    def good(self) -> bool:
        return self.score >= GOOD_FROM[Kind(self.kind)]


class OptOut(models.Model):
    """A customer who asked never to be surveyed again. Agents see it, nobody overrides it."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="survey_opt_out"
    )
    via = models.CharField(max_length=20, help_text="one-click (RFC 8058) or the page")
    survey = models.ForeignKey(Survey, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"customer #{self.customer_id} opted out"


class OpenRecoveryCase(models.Model):
    """A customer's open service-recovery case, as the recovery events told us: such a
    customer gets the case's follow-up, not a contact survey."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    case_id = models.PositiveBigIntegerField()
    opened_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"case {self.case_id} of customer #{self.customer_id}"


class Prediction(models.Model):
    """The score an agent expects the customer to give, tapped when solving. Never shown to
    the customer; the candor reports compare it with the answer (calibration)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="survey_predictions"
    )
    agent = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    score = models.SmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.score} expected on #{self.conversation_id}"
