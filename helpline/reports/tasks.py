"""Background work of the reports. Safe to run twice, or twice at once."""

from celery import shared_task

from helpline.reports import actions, digest


@shared_task
def send_digests() -> dict:
    """Every hour (CELERY_BEAT_SCHEDULE "weekly-digests"): each manager's digest once a week,
    on Monday morning in their own time zone; and any digest whose sending is due again."""
    return actions.send_digests()


@shared_task
def deliver_digest(digest_id: int) -> str:
    return digest.deliver(digest_id)
