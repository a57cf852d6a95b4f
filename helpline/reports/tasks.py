"""Background work of the reports. Safe to run twice, or twice at once."""

from celery import shared_task

from helpline.reports import actions


@shared_task
def send_digests() -> dict:
    """Every hour (CELERY_BEAT_SCHEDULE "weekly-digests"): each manager's digest once a week,
    on Monday morning in their own time zone, queued as staff mail (core.staff_mail sends
    and retries it)."""
    return actions.send_digests()
