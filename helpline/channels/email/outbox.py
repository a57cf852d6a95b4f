"""Outgoing mail: outbox rows written with the message, delivered by a worker.

A row is claimed with a conditional UPDATE, so two workers never send it
twice; a worker that dies mid-send leaves a claim that goes stale and is
taken again. Failures are retried with back-off and shown on the message.
"""

import logging
from email import encoders
from email.message import Message as EmailHeader
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from helpline.channels.email.models import OutboundEmail, OutboxStatus
from helpline.conversations.models import (
    Attachment,
    Channel,
    Conversation,
    Delivery,
    Direction,
    Message,
)
from helpline.conversations.verbs import Verb
from helpline.core.activity import record
from helpline.core.addresses import CONTROL, InvalidAddress, one_address, one_line, shown
from helpline.core.errors import ActionError
from helpline.core.events import EventName, publish
from helpline.core.work_queue import WorkQueue

log = logging.getLogger(__name__)


OUTBOX = WorkQueue(
    OutboundEmail,
    pending=OutboxStatus.PENDING,
    claimed=OutboxStatus.SENDING,
    done=OutboxStatus.SENT,
    failed=OutboxStatus.FAILED,
)


def _mail_domain(conversation: Conversation) -> str:
    if conversation.mailbox_id:
        return conversation.mailbox.address.rsplit("@", 1)[-1]
    return settings.HELPLINE_MAIL_DOMAIN


def reply_subject(conversation: Conversation) -> str:
    subject = conversation.subject or "Your request"
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} {conversation.token}"


def queue_reply(
    message: Message,
    recipient: str,
    extra_headers: dict | None = None,
    *,
    subject: str = "",
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
):
    """Write the outbox row for an outgoing message; call inside its transaction.

    Its subject is the conversation's reply subject, unless `subject` is given. `bcc`
    receive it without being named in any header."""
    conversation = message.conversation
    mailbox = conversation.mailbox
    thread = list(
        conversation.messages.filter(channel=Channel.EMAIL)
        .exclude(external_id="")
        .exclude(external_id__endswith="@no-message-id")
        .exclude(pk=message.pk)
        .order_by("created_at", "id")
        .values_list("external_id", "direction")
    )
    inbound_ids = [mid for mid, direction in thread if direction == Direction.INBOUND]
    message_id = make_msgid(domain=_mail_domain(conversation))
    Message.objects.filter(pk=message.pk).update(
        external_id=message_id.strip("<>"), delivery=Delivery.QUEUED
    )
    outbound = OutboundEmail.objects.create(
        message=message,
        mailbox=mailbox,
        from_header=mailbox.from_header if mailbox else settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        cc=cc or [],
        bcc=bcc or [],
        subject=one_line(subject or reply_subject(conversation)),
        message_id_header=message_id,
        in_reply_to=f"<{inbound_ids[-1]}>" if inbound_ids else "",
        # The root and the latest messages are enough for every mail client to thread.
        references=" ".join(f"<{mid}>" for mid, _ in (thread[:1] + thread[-19:][1:])),
        extra_headers=extra_headers or {},
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(outbound.pk))
    return outbound


def _enqueue(outbound_id: int) -> None:
    from helpline.channels.email.tasks import send_outbound

    try:
        send_outbound.delay(outbound_id)
    except Exception:  # the broker is down: the periodic sweep sends it later
        log.exception("could not enqueue outbound email %s", outbound_id)


def claim(outbound_id: int) -> OutboundEmail | None:
    taken = OUTBOX.claim(outbound_id)
    if taken is None:
        return None
    return OutboundEmail.objects.select_related("message").get(pk=outbound_id)


def deliver(outbound_id: int) -> str:
    """Send one outbox row if it is due and not taken; return its status afterwards."""
    outbound = claim(outbound_id)
    if outbound is None:
        return "skipped"
    unsendable = _unsendable(outbound)
    if unsendable:
        return _failed(outbound, unsendable, final=True)
    try:
        _build(outbound).send(fail_silently=False)
    except BadHeaderError as exc:  # the same headers fail the same way every time
        return _failed(outbound, f"{type(exc).__name__}: {exc}", final=True)
    except Exception as exc:
        return _failed(outbound, f"{type(exc).__name__}: {exc}")
    with transaction.atomic():
        OUTBOX.finish(outbound, sent_at=timezone.now())
        Message.objects.filter(pk=outbound.message_id).update(
            delivery=Delivery.SENT, delivery_error=""
        )
        _tell(EventName.MAIL_SENT, outbound)
    return OutboxStatus.SENT


def _tell(name: EventName, outbound: OutboundEmail, error: str = "") -> None:
    """Publish what became of the mail, in the transaction that records it."""
    message = outbound.message
    publish(
        name,
        message_id=message.pk,
        conversation_id=message.conversation_id,
        outbound_id=outbound.pk,
        recipient=", ".join(outbound.to),
        automatic=str(message.meta.get("automatic", "")),
        error=error,
    )


def _unsendable(outbound: OutboundEmail) -> str:
    """Why no retry could send this mail: an address stored before every edge checked them
    (core.addresses). Empty when it can go."""
    sender = outbound.from_header
    if CONTROL.search(sender):
        return f"InvalidAddress: the sender {shown(sender)} contains a line break."
    for field, values in (("to", outbound.to), ("cc", outbound.cc), ("bcc", outbound.bcc)):
        for value in values:
            try:
                one_address(value)
            except InvalidAddress as exc:
                return f"InvalidAddress ({field}): {exc}"
    return ""


def _build(outbound: OutboundEmail) -> EmailMultiAlternatives:
    headers = {"Message-ID": outbound.message_id_header, **outbound.extra_headers}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        headers["References"] = outbound.references
    message = outbound.message
    email = EmailMultiAlternatives(
        subject=one_line(outbound.subject),  # a row stored before subjects were cleaned
        body=message.text,
        from_email=outbound.from_header,
        to=outbound.to,
        cc=outbound.cc,
        bcc=outbound.bcc,
        headers=headers,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments.filter(inline=False).order_by("id"):
        email.attach(_attachment_part(attachment))
    return email


def _attachment_part(attachment: Attachment) -> MIMEBase:
    """A stored attachment as a MIME part, its content type's parameters kept: an iCalendar
    invitation is only one as `text/calendar; method=REQUEST`."""
    with attachment.file.open("rb") as stored:
        content = stored.read()
    header = EmailHeader()
    header["Content-Type"] = attachment.content_type or "application/octet-stream"
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    params = {name: value for name, value in header.get_params()[1:] if name != "charset"}
    charset = header.get_content_charset()
    if maintype == "text":
        try:
            part = MIMEText(content.decode(charset or "utf-8"), subtype, charset or "utf-8")
        except (UnicodeDecodeError, LookupError):
            part = _binary_part("application", "octet-stream", content)
    else:
        part = _binary_part(maintype, subtype, content)
    for name, value in params.items():
        part.set_param(name, value)
    filename = attachment.filename
    if not filename.isascii():
        filename = ("utf-8", "", filename)  # RFC 2231
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _binary_part(maintype: str, subtype: str, content: bytes) -> MIMEBase:
    part = MIMEBase(maintype, subtype)
    part.set_payload(content)
    encoders.encode_base64(part)
    return part


@transaction.atomic
def _failed(outbound: OutboundEmail, error: str, *, final: bool = False) -> str:
    status = OUTBOX.fail(outbound, error, final=final)
    attempts, final = outbound.attempts + 1, status == OutboxStatus.FAILED
    shown = error if final else f"{error} (attempt {attempts}, retrying)"
    Message.objects.filter(pk=outbound.message_id).update(
        delivery=Delivery.FAILED if final else Delivery.QUEUED, delivery_error=shown[:2000]
    )
    if final:
        _tell(EventName.MAIL_FAILED, outbound, error[:2000])
    log.warning("sending outbound email %s failed: %s", outbound.pk, error)
    return status


def due_ids(limit: int = 500) -> list[int]:
    return OUTBOX.due_ids(limit)


@transaction.atomic
def retry(actor, outbound: OutboundEmail) -> OutboundEmail:
    """An agent asks to send a failed message again (only a failed one: a message on its way
    is not sent twice)."""
    outbound = (
        OutboundEmail.objects.select_for_update().select_related("message").get(pk=outbound.pk)
    )
    if outbound.status != OutboxStatus.FAILED:
        raise ActionError(f"this mail is {outbound.get_status_display().lower()}, not failed")
    OUTBOX.again(OutboundEmail.objects.filter(pk=outbound.pk))
    Message.objects.filter(pk=outbound.message_id).update(
        delivery=Delivery.QUEUED, delivery_error=""
    )
    record(actor, Verb.MESSAGE_RETRIED, outbound.message, outbound_id=outbound.pk)
    transaction.on_commit(lambda: _enqueue(outbound.pk))
    outbound.refresh_from_db()
    return outbound
