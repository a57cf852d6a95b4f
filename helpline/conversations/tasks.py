"""Background work of conversations. Each task is safe to run twice, or twice at once."""

from celery import shared_task

from helpline.conversations import actions


@shared_task
def reopen_pending_due() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): conversations pending until a moment now past
    reopen themselves."""
    return actions.reopen_due_pending()
