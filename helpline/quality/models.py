"""QA, coaching and the record of growth.

A *scorecard* is the rubric: criteria with weights, each scored on the scorecard's scale
(1–5 unless changed), N/A where the criterion allows it, and an auto-fail flag. Each week
every agent's conversations are *picked* for review at random (bad ratings and recovery
cases more often, `sampling.py`); one or more reviewers *review* a pick (several: that is
calibration); the agent reads their reviews and replies on them. Coaching sessions agree
goals; trainings are logged. `scoring.py` says how a review's score is computed.
"""

from django.db import models
from django.utils import timezone

from helpline.conversations.models import Conversation
from helpline.core.models import User


class Scorecard(models.Model):
    name = models.CharField(max_length=200)
    scale_min = models.PositiveSmallIntegerField(default=1)
    scale_max = models.PositiveSmallIntegerField(default=5)
    # The one reviewers use for new reviews; past reviews keep theirs.
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-active", "name", "id"]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    weight = models.PositiveSmallIntegerField(default=1)
    allow_na = models.BooleanField(default=True, help_text="The reviewer may answer N/A")
    auto_fail = models.BooleanField(
        default=False, help_text="Scored at the lowest point, the whole review scores 0"
    )
    position = models.PositiveIntegerField(default=0)
    # Retired criteria stay on the reviews that answered them.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return self.name


class WeeklySample(models.Model):
    """That an agent's week was sampled, with the seed it was drawn with: one per agent and
    week, so picking again (the beat task, the button, twice at once) adds nothing."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="qa_samples")
    week = models.DateField(help_text="The Monday the week starts on, in the agent's zone")
    seed = models.CharField(max_length=200)
    pool = models.PositiveIntegerField(default=0, help_text="Conversations it was drawn from")
    picked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "week"], name="qa_sample_once_a_week")
        ]

    def __str__(self):
        return f"week of {self.week} for {self.agent}"


class PickReason(models.TextChoices):
    RANDOM = "random", "At random"
    RATED_BADLY = "rated_badly", "Rated badly (more likely to be picked)"
    RECOVERY = "recovery", "Recovery case (more likely to be picked)"
    CHOSEN = "chosen", "Chosen by a reviewer"


class Pick(models.Model):
    """A conversation to review for one agent's work."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="qa_picks")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="qa_picks"
    )
    week = models.DateField()
    reason = models.CharField(max_length=12, choices=PickReason.choices)
    sample = models.ForeignKey(
        WeeklySample, null=True, blank=True, on_delete=models.CASCADE, related_name="picks"
    )
    picked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    picked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "conversation"], name="qa_pick_once")
        ]

    def __str__(self):
        return f"#{self.conversation_id} for {self.agent}"


class Review(models.Model):
    """One reviewer's scoring of a pick; two or more on one pick are a calibration."""

    pick = models.ForeignKey(Pick, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    # The scale as it was when scored, so a later change of the scorecard changes no score.
    scale_min = models.PositiveSmallIntegerField()
    scale_max = models.PositiveSmallIntegerField()
    score = models.FloatField(null=True, blank=True, help_text="0–100; empty: all N/A")
    auto_failed = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="", help_text="For the agent")
    submitted_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pick", "reviewer"], name="qa_one_review_each")
        ]

    def __str__(self):
        return f"review of {self.pick} by {self.reviewer}"


class ReviewAnswer(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.SmallIntegerField(null=True, blank=True, help_text="Empty: N/A")
    # As they were when scored.
    weight = models.PositiveSmallIntegerField()
    auto_fail = models.BooleanField(default=False)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="qa_answer_once")
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.value}"


class ReviewComment(models.Model):
    """The thread under a review: the agent's reply, the reviewer's answer."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"comment on review {self.review_id}"


class CoachingSession(models.Model):
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coaching_sessions")
    coach = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    held_at = models.DateTimeField()
    notes = models.TextField(blank=True, default="")
    follow_up_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return f"coaching of {self.agent} on {self.held_at:%Y-%m-%d}"


class Goal(models.Model):
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="coaching_goals")
    session = models.ForeignKey(
        CoachingSession, null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    text = models.CharField(max_length=500)
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self):
        return self.text


class Training(models.Model):
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trainings")
    title = models.CharField(max_length=200)
    on = models.DateField()
    minutes = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    logged_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-id"]

    def __str__(self):
        return self.title
