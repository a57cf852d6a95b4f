"""Desk notifications, and their email, queued with them and delivered by the worker.

The mail row is written in the transaction that records the SlaEvent, so a notification
and its mail exist exactly when the event does. Delivery claims, retries and gives up like
the email outbox, through the same work queue (core.work_queue).
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from helpline.conversations.models import Conversation
from helpline.core import staff_mail
from helpline.core.durations import compact_duration
from helpline.core.models import Team, User
from helpline.core.work_queue import WorkQueue
from helpline.sla.models import EventKind, MailStatus, Notification, NotificationEmail, SlaEvent

log = logging.getLogger(__name__)


def describe(event: SlaEvent, conversation: Conversation, now: datetime) -> str:
    clock = "response" if event.clock == "response" else "resolution"
    subject = f"#{conversation.pk} {conversation.subject or '(no subject)'}"
    if event.kind == EventKind.BREACH:
        return f"{subject}: the {clock} target was breached"
    left = compact_duration(max(int((event.due_at - now).total_seconds()), 0))
    # On the location's clock, as the desk shows it (the scan loads the location).
    location = conversation.location
    zone = ZoneInfo(location.timezone) if location else None
    due = timezone.localtime(event.due_at, zone).strftime("%d %b %Y, %H:%M")
    where = f" {location.name} time" if location else ""
    return f"{subject}: the {clock} target is due {due}{where} (in {left})"


@dataclass(frozen=True)
class Tell:
    """Tell `users` about `event` of `conversation` (handed to `reassigned_to`, if so)."""

    users: list[User]
    conversation: Conversation
    event: SlaEvent
    reassigned_to: Team | None = None


def tell(users, conversation, event, *, reassigned_to=None) -> list[Notification]:
    return tell_many([Tell(users, conversation, event, reassigned_to)])


def tell_many(tells: list[Tell]) -> list[Notification]:
    """A notification and an email per user and event, in two INSERTs however many;
    call inside the transaction that recorded the events."""
    now = timezone.now()
    planned = []  # (user, notification, text, event, conversation)
    for item in tells:
        text = describe(item.event, item.conversation, now)
        if item.reassigned_to is not None:
            text += f"; handed to team {item.reassigned_to.name}"
        for user in item.users:
            notification = Notification(
                user=user, conversation=item.conversation, event=item.event, text=text[:500]
            )
            planned.append((user, notification, text, item))
    if not planned:
        return []
    notifications = Notification.objects.bulk_create([n for _, n, _, _ in planned])
    site = settings.SITE_URL.rstrip("/")
    mails = NotificationEmail.objects.bulk_create(
        [
            NotificationEmail(
                notification=notification,
                to=user.email,
                subject=f"[SLA {item.event.get_kind_display().lower()}] {text}"[:998],
                body=f"{text}\n\n{site}{_conversation_path(item.conversation)}\n",
                next_attempt_at=now,
            )
            for user, notification, text, item in planned
            if user.email
        ]
    )
    ids = [mail.pk for mail in mails]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return notifications


def _conversation_path(conversation: Conversation) -> str:
    return reverse("desk:conversation", args=[conversation.pk])


def _enqueue(ids: list[int]) -> None:
    from helpline.sla.tasks import send_notification_email

    for mail_id in ids:
        try:
            send_notification_email.delay(mail_id)
        except Exception:  # the broker is down: the scan's sweep sends it later
            log.exception("could not enqueue notification email %s", mail_id)


MAIL = WorkQueue(
    NotificationEmail,
    pending=MailStatus.PENDING,
    claimed=MailStatus.SENDING,
    done=MailStatus.SENT,
    failed=MailStatus.FAILED,
)


def due_mail_ids(limit: int = 500) -> list[int]:
    return MAIL.due_ids(limit)


def deliver(mail_id: int) -> str:
    """Send one notification email if it is due and nobody else took it; its status after."""
    return staff_mail.send(MAIL, mail_id, "notification email")


def deliver_due() -> int:
    ids = due_mail_ids()
    for mail_id in ids:
        deliver(mail_id)
    return len(ids)
