"""Background work of the email channel. Each task is safe to run twice."""

from celery import shared_task

from helpline.channels.email import outbox


@shared_task(acks_late=True)
def send_outbound(outbound_id: int) -> str:
    return outbox.deliver(outbound_id)


@shared_task
def send_due_outbound() -> int:
    """The sweep that finds mail whose task was lost, failed or is due for a retry."""
    ids = outbox.due_ids()
    for outbound_id in ids:
        outbox.deliver(outbound_id)
    return len(ids)


@shared_task
def fetch_all_mailboxes() -> dict:
    from helpline.channels.email import imap

    return imap.fetch_all()
