"""Background work of webhooks. Each task is safe to run twice."""

from celery import shared_task

from helpline.webhooks import outbox


@shared_task(acks_late=True)
def send_webhooks(delivery_ids: list[int]) -> dict:
    statuses = [outbox.deliver(delivery_id) for delivery_id in delivery_ids]
    return {status: statuses.count(status) for status in set(statuses)}


@shared_task
def send_due_webhooks() -> dict:
    """Every 30 s (CELERY_BEAT_SCHEDULE): retries that are due, lost tasks, dead workers'
    claims; and sent deliveries older than HELPLINE_WEBHOOK_KEEP_DAYS forgotten."""
    return {"sent": outbox.deliver_due(), "forgotten": outbox.forget_sent()}
