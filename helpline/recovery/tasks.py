"""Background work of service recovery. Each task is safe to run twice, or twice at once."""

from celery import shared_task

from helpline.recovery import actions


@shared_task
def scan_recovery() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): customers waiting too long open cases; follow-ups
    unanswered for their waiting time become "unknown"."""
    return {"long_waits": actions.scan_long_waits(), "unknown": actions.expire_unanswered()}
