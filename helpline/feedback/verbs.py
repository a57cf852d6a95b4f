"""The activity log's verbs for surveys."""

from django.db import models


class Verb(models.TextChoices):
    POLICY_CREATED = "survey_policy.created", "created a survey policy"
    POLICY_UPDATED = "survey_policy.updated", "changed a survey policy"
    POLICY_DELETED = "survey_policy.deleted", "deleted a survey policy"
    SURVEY_SCHEDULED = "survey.scheduled", "scheduled a survey"
    SURVEY_SKIPPED = "survey.skipped", "did not survey"
    SURVEY_SENT = "survey.sent", "sent a survey"
    SURVEY_REMINDED = "survey.reminded", "sent a survey reminder"
    SURVEY_WITHDRAWN = "survey.withdrawn", "withdrew a survey"
    ANSWERED = "survey.answered", "answered a survey"
    ANSWER_CHANGED = "survey.answer_changed", "changed a survey answer"
    OPTED_OUT = "survey.opted_out", "opted out of surveys"
    PREDICTED = "survey.predicted", "predicted the customer's score"
