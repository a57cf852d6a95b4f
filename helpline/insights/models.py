"""What customers write, read by a model: its sentiment and its theme.

One `Text` per inbound customer message or survey comment. A `Theme` is a recurring subject
learned from the business's own text (`themes.py`); its `name` is its top terms until a
manager renames it, and a merged theme points at the one it joined. `SurveyScore` is this
app's copy of the survey answers (from `survey.answered`), for each theme's share of bad
scores.
"""

from django.db import models

from helpline.conversations.models import Conversation
from helpline.core.models import Location, LocationScoped, User
from helpline.customers.models import Customer


class Source(models.TextChoices):
    MESSAGE = "message", "Message"
    SURVEY_ANSWER = "survey_answer", "Survey comment"


class ThemeModel(models.Model):
    """One training of the themes: the vocabulary the texts are read with."""

    trained_at = models.DateTimeField()
    documents = models.PositiveIntegerField(help_text="Texts it was trained on")
    # {"terms": [...], "idf": [...], "ngram_max": 1}: a TF-IDF vectorizer, rebuilt to assign.
    vectorizer = models.JSONField()
    method = models.CharField(max_length=100, help_text="e.g. scikit-learn 1.5 tf-idf k-means")
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at", "-id"]
        get_latest_by = "trained_at"

    def __str__(self):
        return f"themes of {self.trained_at:%Y-%m-%d %H:%M} ({self.documents} texts)"


class Theme(models.Model):
    name = models.CharField(max_length=120)
    named_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The manager who named it; empty while it is named by its top terms",
    )
    terms = models.JSONField(default=list, blank=True, help_text="Its top terms, best first")
    # {term: weight}: its centre in the current model's TF-IDF space, the strongest terms only.
    weights = models.JSONField(default=dict, blank=True)
    model = models.ForeignKey(
        ThemeModel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="themes",
        help_text="The training it belongs to; empty when the latest did not find it again",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class TextQuerySet(LocationScoped):
    pass


class Text(models.Model):
    source = models.CharField(max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField(help_text="The message's or the survey answer's id")
    message = models.OneToOneField(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="insight",
    )
    comment = models.TextField(blank=True, help_text="A survey answer's comment")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField()
    language = models.CharField(
        max_length=12, blank=True, help_text='ISO 639-1, or "unknown" when no model covers it'
    )
    compound = models.FloatField(
        null=True, blank=True, help_text="-1 (negative) to 1 (positive); empty when not covered"
    )
    model = models.CharField(max_length=100, blank=True, help_text="Name and version")
    scored_at = models.DateTimeField(null=True, blank=True)
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="texts"
    )
    theme_similarity = models.FloatField(null=True, blank=True)
    theme_set_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A manager who corrected the theme; re-training keeps it",
    )

    objects = TextQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="insights_text_source")
        ]
        indexes = [
            models.Index(fields=["theme", "written_at"], name="insights_text_theme"),
            # "What customers say" (helpline.reports.figures.text_counts) groups a period's
            # texts from this index alone: every column it reads is in it.
            models.Index(
                fields=["written_at", "location", "source", "compound", "theme", "conversation"],
                name="insights_text_written",
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.source_id}"

    @property
    def body(self) -> str:
        return self.message.text if self.message_id and self.message else self.comment


class SurveyScore(models.Model):
    answer_id = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=8)
    score = models.SmallIntegerField()
    bad = models.BooleanField()
    conversation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField()

    def __str__(self):
        return f"{self.kind} {self.score}"
