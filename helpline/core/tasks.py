"""Background work of the core: delivering the event bus's after-commit events."""

from celery import shared_task

from helpline.core import events


@shared_task(acks_late=True)
def deliver_events(delivery_ids: list[int]) -> dict:
    statuses = [events.deliver(delivery_id) for delivery_id in delivery_ids]
    return {status: statuses.count(status) for status in set(statuses)}


@shared_task
def sweep_events() -> dict:
    """Every 30 s (CELERY_BEAT_SCHEDULE): retries that are due and deliveries of dead workers."""
    return {"delivered": events.deliver_due(), "forgotten": events.forget_delivered()}
