"""Background work of the core: delivering the event bus's after-commit events."""

from celery import shared_task

from helpline.core import events, staff_mail


@shared_task(acks_late=True)
def deliver_events(delivery_ids: list[int]) -> dict:
    statuses = [events.deliver(delivery_id) for delivery_id in delivery_ids]
    return {status: statuses.count(status) for status in set(statuses)}


@shared_task
def sweep_events() -> dict:
    """Every 30 s (CELERY_BEAT_SCHEDULE): retries that are due and deliveries of dead workers."""
    return {"delivered": events.deliver_due(), "forgotten": events.forget_delivered()}


@shared_task(acks_late=True)
def send_staff_email(mail_id: int) -> str:
    return staff_mail.deliver(mail_id)


@shared_task
def sweep_staff_email() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): mail whose task was lost or whose retry is due."""
    return staff_mail.deliver_due()


@shared_task
def forget_old_sign_ins() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): sign-in audit rows older than HELPLINE_SIGN_IN_AUDIT_DAYS."""
    from helpline.core.twofactor import forget_old_sign_ins as forget

    return forget()
