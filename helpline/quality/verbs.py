"""The activity log's verbs for QA reviews and coaching."""

from django.db import models


class Verb(models.TextChoices):
    SCORECARD_CREATED = "scorecard.created", "created a scorecard"
    SCORECARD_CHANGED = "scorecard.changed", "changed a scorecard"
    CRITERION_ADDED = "criterion.added", "added a criterion to a scorecard"
    CRITERION_CHANGED = "criterion.changed", "changed a scorecard's criterion"
    WEEK_PICKED = "qa.week_picked", "picked an agent's conversations of a week for review"
    CHOSEN = "qa.chosen", "chose a conversation for review"
    REVIEWED = "qa.reviewed", "reviewed a conversation"
    REVIEW_CHANGED = "qa.review_changed", "changed a review"
    COMMENTED = "qa.commented", "replied on a review"
    COACHED = "coaching.held", "recorded a coaching session"
    GOAL_SET = "goal.set", "agreed a goal"
    GOAL_DONE = "goal.done", "marked a goal done"
    TRAINING_LOGGED = "training.logged", "logged a training"
