"""The activity log's verbs for sentiment and themes."""

from django.db import models


class Verb(models.TextChoices):
    THEMES_TRAINED = "insights.themes_trained", "trained the themes"
    THEME_RENAMED = "insights.theme_renamed", "renamed a theme"
    THEMES_MERGED = "insights.themes_merged", "merged themes"
    THEME_CORRECTED = "insights.theme_corrected", "corrected a text's theme"
