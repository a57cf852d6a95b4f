"""Service recovery: a case per customer let down, its triggers, its playbook steps, and
whether the follow-up survey said the customer was won back.

One customer has at most one open case: a partial unique index says so to the database, so
two workers handling the same events at once still make one case (actions.trigger).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from helpline.conversations.models import Conversation
from helpline.core.models import Location, LocationScoped, User
from helpline.customers.models import Customer


class TriggerKind(models.TextChoices):
    LOW_CSAT = "low_csat", "Low CSAT"
    LOW_NPS = "low_nps", "Low NPS"
    LOW_CES = "low_ces", "Hard to handle (CES)"
    NEGATIVE_MESSAGE = "negative_message", "Strongly negative message"
    SLA_BREACH = "sla_breach", "Resolution target breached"
    LONG_WAIT = "long_wait", "Waited too long"
    REPEAT_CONTACT = "repeat_contact", "Repeat contact on the same theme"
    CALLBACK_FAILED = "callback_failed", "Callback never connected"
    APPOINTMENT_MISSED = "appointment_missed", "Appointment missed on our side"


class Step(models.TextChoices):
    """The playbook, in order; amends may be skipped."""

    ACKNOWLEDGE = "acknowledge", "Acknowledge and apologise"
    FIX = "fix", "Fix the cause"
    AMENDS = "amends", "Make amends"
    FOLLOW_UP = "follow_up", "Follow up"
    VERIFY = "verify", "Verify"


STEP_ORDER = list(Step.values)
OPTIONAL_STEPS = {Step.AMENDS}


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    WAITING = "waiting", "Waiting for the follow-up answer"
    RECOVERED = "recovered", "Recovered"
    NOT_RECOVERED = "not_recovered", "Not recovered"
    UNKNOWN = "unknown", "Unknown (no answer in 14 days)"


class SurveyKind(models.TextChoices):
    CSAT = "csat", "CSAT"
    NPS = "nps", "NPS"
    CES = "ces", "CES"


class GoodwillKind(models.TextChoices):
    REFUND = "refund", "Refund"
    VOUCHER = "voucher", "Voucher"
    GIFT = "gift", "Gift"


class RootCause(models.Model):
    """Why customers were let down: the list a closing agent chooses from (Settings → Root
    causes, through actions.add_root_cause and change_root_cause)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Offered when closing a case")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


def _minutes(default: int, help_text: str):
    return models.PositiveIntegerField(
        default=default,
        validators=[MinValueValidator(1), MaxValueValidator(366 * 24 * 60)],
        help_text=f"{help_text}, in business minutes",
    )


class RecoveryRules(models.Model):
    """Which rules open a case, and their thresholds: one row per location, and one without a
    location for every location that has none of its own. Without any row, the defaults."""

    location = models.OneToOneField(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="recovery_rules"
    )
    low_csat = models.BooleanField(default=True)
    csat_at_most = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    low_nps = models.BooleanField(default=True)
    nps_at_most = models.PositiveSmallIntegerField(default=6, validators=[MaxValueValidator(10)])
    low_ces = models.BooleanField(default=True)
    ces_at_most = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    negative_message = models.BooleanField(default=True)
    compound_at_most = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("-0.60"),
        validators=[MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))],
        help_text="A message whose sentiment (VADER compound, −1 to 1) is at most this",
    )
    sla_breach = models.BooleanField(default=True, help_text="A resolution target breached")
    long_wait = models.BooleanField(default=True)
    long_wait_minutes = _minutes(240, "A customer waiting on us longer than this")
    repeat_contact = models.BooleanField(default=True)
    repeat_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A new conversation on the theme of one solved this many days before",
    )
    callback_failed = models.BooleanField(default=True)
    appointment_missed = models.BooleanField(default=True)
    first_touch_minutes = _minutes(240, "A new case is due for its first touch within")
    next_step_minutes = _minutes(480, "After each step, the next is due within")
    answer_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="Days to wait for the follow-up answer before the outcome is unknown",
    )

    class Meta:
        verbose_name = "recovery rules"
        verbose_name_plural = "recovery rules"
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=models.Q(location__isnull=True),
                name="recovery_rules_one_default",
            )
        ]

    def __str__(self):
        return f"Recovery rules of {self.location or 'every location'}"


class RecoveryCase(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="recovery_cases")
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recovery_cases",
        help_text="The conversation of the first trigger",
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="recovery_cases"
    )
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="When the next step is due, in business time")
    first_touched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    root_cause = models.ForeignKey(RootCause, null=True, blank=True, on_delete=models.PROTECT)
    what_changed = models.TextField(blank=True, help_text="So that it does not happen again")
    follow_up_kind = models.CharField(
        max_length=4, choices=SurveyKind.choices, default=SurveyKind.CSAT
    )
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True, default="")
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_score = models.SmallIntegerField(null=True, blank=True)

    objects = LocationScoped.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="open"),
                name="recovery_worklist",
            ),
            models.Index(fields=["customer", "-opened_at"], name="recovery_customer"),
            models.Index(
                fields=["closed_at"],
                condition=models.Q(outcome="waiting"),
                name="recovery_waiting_answer",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="open"),
                name="recovery_one_open_per_customer",
            )
        ]

    def __str__(self):
        return f"Recovery case #{self.pk} of {self.customer}"

    def trigger_kinds(self) -> list[str]:
        return [t.kind for t in self.triggers.all()]

    def steps_done(self) -> set[str]:
        return {s.step for s in self.steps.all()}

    def next_step(self) -> str | None:
        done = self.steps_done()
        for step in STEP_ORDER:
            if step not in done and step not in OPTIONAL_STEPS:
                return step
        return None


class RecoveryTrigger(models.Model):
    """What opened a case or joined it. `key` names the cause (one survey answer, one message,
    one breach…): the same event delivered twice adds nothing."""

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=20, choices=TriggerKind.choices)
    key = models.CharField(max_length=200, unique=True)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["kind", "case"], name="recovery_trigger_kind"),
            # The long-wait scan: "told about this wait already?"
            models.Index(fields=["conversation", "kind", "at"], name="recovery_trigger_wait"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on case #{self.case_id}"


class RecoveryStep(models.Model):
    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=12, choices=Step.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    goodwill_kind = models.CharField(
        max_length=10, choices=GoodwillKind.choices, blank=True, default=""
    )
    goodwill_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    goodwill_currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="recovery_step_once")]

    def __str__(self):
        return f"{self.get_step_display()} on case #{self.case_id}"


class ThemedConversation(models.Model):
    """The themes insights found in a conversation (from text.themed), for the repeat rule."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    theme_id = models.BigIntegerField()
    theme_name = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "theme_id"], name="recovery_theme_once")
        ]
        indexes = [models.Index(fields=["customer", "theme_id"], name="recovery_theme_customer")]

    def __str__(self):
        return f"theme {self.theme_name or self.theme_id} in #{self.conversation_id}"


class ContactScore(models.Model):
    """A contact survey's answer as survey.answered told it: the later scores the recovery
    paradox report compares (recovery never reads the feedback app's rows)."""

    answer_id = models.BigIntegerField(unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    score = models.SmallIntegerField()
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["customer", "answered_at"], name="recovery_score_customer")]

    def __str__(self):
        return f"{self.kind} {self.score} from customer {self.customer_id}"
