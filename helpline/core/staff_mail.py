"""Mail to our own people, queued in the transaction of its cause and sent by the worker.

Claimed, retried and given up like the customers' outbox (core.work_queue). Plain text, or
multipart/alternative (the text and its HTML) when the row has `html`: the managers' weekly
digest (helpline.reports.digest) is queued here too.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from helpline.core.models import StaffEmail, StaffEmailStatus, User
from helpline.core.work_queue import WorkQueue

log = logging.getLogger(__name__)

STAFF_MAIL = WorkQueue(
    StaffEmail,
    pending=StaffEmailStatus.PENDING,
    claimed=StaffEmailStatus.SENDING,
    done=StaffEmailStatus.SENT,
    failed=StaffEmailStatus.FAILED,
)


def queue(user: User, subject: str, body: str, html: str = "") -> StaffEmail:
    """The mail row to `user` (with `html`: sent as text and HTML alternatives); call inside
    the transaction of its cause."""
    mail = StaffEmail.objects.create(
        user=user,
        to=user.email,
        subject=subject[:998],
        body=body,
        html=html,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue(mail.pk))
    return mail


def enqueue(mail_id: int) -> None:
    from helpline.core.tasks import send_staff_email

    try:
        send_staff_email.delay(mail_id)
    except Exception:  # the broker is down: the sweep sends it later
        log.exception("could not enqueue staff email %s", mail_id)


def enqueue_many(mail_ids: list[int]) -> None:
    for mail_id in mail_ids:
        enqueue(mail_id)


def deliver(mail_id: int) -> str:
    """Send one mail if it is due and nobody else took it; its status after."""
    return send(STAFF_MAIL, mail_id, "staff email")


def send(mail_queue: WorkQueue, mail_id: int, what: str) -> str:
    """Claim a row of `mail_queue` (with `to`, `subject` and `body`, and maybe `html`), send
    it, and finish or fail it; shared by every queue of mail to our own people. Plain text,
    or multipart/alternative when the row has a non-empty `html` (the text stays the first
    part, for readers that show no HTML)."""
    mail = mail_queue.claim(mail_id)
    if mail is None:
        return "skipped"
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body,
        settings.DEFAULT_FROM_EMAIL,
        [mail.to],
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no vacation replies to us
    )
    html = getattr(mail, "html", "")
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:
        log.warning("sending %s %s failed: %s", what, mail_id, exc)
        return mail_queue.fail(mail, f"{type(exc).__name__}: {exc}")
    mail_queue.finish(mail, sent_at=timezone.now())
    return mail_queue.done


def deliver_due() -> int:
    ids = STAFF_MAIL.due_ids()
    for mail_id in ids:
        deliver(mail_id)
    return len(ids)
