"""Background work of QA. Safe to run twice, or twice at once."""

from celery import shared_task

from helpline.quality import actions


@shared_task
def pick_weekly() -> dict:
    """Every hour (CELERY_BEAT_SCHEDULE): last week's conversations to review, for each agent
    whose last week is not sampled yet (one sample per agent per week, so running it hourly
    picks each week once, in each agent's own time zone)."""
    return actions.pick_last_week(None)
