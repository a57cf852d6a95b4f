"""Background work of service levels. Each task is safe to run twice, or twice at once."""

from celery import shared_task

from helpline.sla import clocks, escalation, notify


@shared_task
def scan_escalations() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): warn and escalate, then send what is due."""
    result = escalation.scan()
    sent = notify.deliver_due()
    return {"checked": result.checked, "events": len(result.events), "mails": sent}


@shared_task(acks_late=True)
def send_notification_email(mail_id: int) -> str:
    return notify.deliver(mail_id)


@shared_task
def refresh_all_clocks() -> int:
    """After a policy changed: every running or paused clock again."""
    return clocks.refresh_all()
