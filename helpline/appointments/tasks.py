"""Background work of appointments. Each task is safe to run twice, or twice at once."""

from celery import shared_task

from helpline.appointments import actions


@shared_task
def send_appointment_reminders() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE): remind customers of what starts soon."""
    return actions.send_due_reminders()
