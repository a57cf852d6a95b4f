"""Background work of conversations. Each task is safe to run twice, or twice at once."""

from celery import shared_task

from helpline.conversations import actions


@shared_task
def reopen_pending_due() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): conversations pending until a moment now past
    reopen themselves."""
    return actions.reopen_due_pending()


@shared_task
def remove_orphan_files() -> int:
    """Every day (CELERY_BEAT_SCHEDULE): attachment files that no row points to (left by a
    killed or rolled-back transaction), older than HELPLINE_ORPHAN_FILE_GRACE_MINUTES."""
    return actions.remove_orphan_files()
