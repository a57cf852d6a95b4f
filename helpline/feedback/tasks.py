"""Background work of surveys. Each task is safe to run twice, or twice at once."""

from celery import shared_task

from helpline.feedback import actions


@shared_task
def send_due_surveys() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): the surveys and reminders that are due."""
    return actions.send_due()
