"""Inbound mail: raw bytes in, a message on a conversation out.

The pipe command, the LMTP/SMTP listener, the IMAP poller and the mailbox
importer all call `ingest`. The raw bytes are committed first; a message that
cannot be parsed or stored is quarantined with its reason and can be
re-processed with `reprocess`.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DataError
from django.db.models import Q
from django.utils import timezone

from helpline.channels.email.models import RawEmail, RawStatus
from helpline.channels.email.parse import parse_email
from helpline.channels.email.parsed import ParsedEmail, UnparseableEmail
from helpline.conversations.models import Channel, Delivery, Direction, Message, MessageKind
from helpline.conversations.receive import Inbound, IncomingAttachment, receive
from helpline.core.models import Mailbox
from helpline.customers.identities import InvalidIdentity
from helpline.customers.models import IdentityKind

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    status: str  # "stored", "duplicate" or "quarantined"
    raw: RawEmail
    message: Message | None = None
    reason: str = ""


def ingest(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> IngestResult:
    stored = _keep_raw(raw, source, mailbox)
    if stored.status != RawStatus.RECEIVED:
        return IngestResult("duplicate", stored, stored.message)
    return process(stored, raw)


def _keep_raw(raw: bytes, source: str, mailbox: Mailbox | None) -> RawEmail:
    """Commit the bytes (outside a transaction) before anything can go wrong with them.

    The same bytes twice are one row: the second insert is ignored, and the
    row's status tells whether it still waits to be processed.
    """
    digest = hashlib.sha256(raw).hexdigest()
    RawEmail.objects.bulk_create(
        [RawEmail(sha256=digest, data=raw, size=len(raw), source=source, mailbox=mailbox)],
        ignore_conflicts=True,
    )
    return RawEmail.objects.defer("data").get(sha256=digest)


def process(stored: RawEmail, raw: bytes | None = None) -> IngestResult:
    """Parse and store one kept raw email; quarantine it when that fails."""
    raw = bytes(stored.data) if raw is None else raw
    try:
        parsed = parse_email(raw, max_bytes=settings.HELPLINE_MAX_EMAIL_BYTES)
    except UnparseableEmail as exc:
        return _quarantine(stored, str(exc))
    except Exception as exc:  # a parser bug must not lose the mail
        log.exception("parsing raw email %s failed", stored.sha256)
        return _quarantine(stored, f"parser error: {type(exc).__name__}: {exc}")
    try:
        received = _store(stored, parsed)
    except (InvalidIdentity, ValueError, DataError) as exc:
        return _quarantine(stored, str(exc))
    # Marked after the message committed: a crash in between leaves the raw
    # email "received", and reprocessing it finds the stored duplicate.
    _set_status(
        stored,
        status=RawStatus.STORED,
        message=received.message,
        reason="" if received.created else "same Message-ID already stored",
    )
    return IngestResult("stored" if received.created else "duplicate", stored, received.message)


def _set_status(stored: RawEmail, **fields) -> None:
    fields["processed_at"] = timezone.now()
    RawEmail.objects.filter(pk=stored.pk).update(**fields)
    for name, value in fields.items():
        setattr(stored, name, value)


def _quarantine(stored: RawEmail, reason: str) -> IngestResult:
    _set_status(stored, status=RawStatus.QUARANTINED, reason=reason[:2000])
    log.warning("quarantined raw email %s: %s", stored.sha256[:12], reason)
    return IngestResult("quarantined", stored, reason=reason)


def _store(stored: RawEmail, parsed: ParsedEmail):
    sender = parsed.from_.email if parsed.from_ else ""
    mailbox = stored.mailbox or _mailbox_for(parsed)
    conversation = None
    if parsed.kind == MessageKind.BOUNCE:
        conversation = _mark_bounced(parsed)
    if not sender and conversation is None:
        raise UnparseableEmailForStorage("no sender address to attribute the message to")
    refs = parsed.thread_ids()
    return receive(
        Inbound(
            channel=Channel.EMAIL,
            identity_kind=IdentityKind.EMAIL,
            # A robot's mail on a known conversation is not a customer's identity.
            identity_value="" if conversation is not None else sender,
            name=parsed.from_.name if parsed.from_ else "",
            subject=parsed.subject,
            text=parsed.new_text,
            full_text=parsed.text,
            html=parsed.html,
            kind=parsed.kind,
            external_id=parsed.message_id or f"{stored.sha256}@no-message-id",
            thread_ids=refs,
            thread_key=parsed.references[0] if parsed.references else (refs[0] if refs else ""),
            conversation=conversation,
            mailbox=mailbox,
            received_at=parsed.date if _plausible(parsed.date) else None,
            attachments=[
                IncomingAttachment(a.filename, a.content_type, a.content, a.content_id, a.inline)
                for a in parsed.attachments
            ],
            meta=_meta(parsed, sender, stored.source),
        )
    )


class UnparseableEmailForStorage(ValueError):
    pass


def _plausible(date) -> bool:
    """Trust the Date header unless it is in the future or absurdly old."""
    if date is None or date.tzinfo is None:
        return False
    now = timezone.now()
    return now - timedelta(days=365 * 30) < date <= now + timedelta(minutes=5)


def _meta(parsed: ParsedEmail, sender: str, source: str) -> dict:
    meta = {
        "source": source,
        "from": sender,
        "to": [a.email for a in parsed.to if a.email],
        "cc": [a.email for a in parsed.cc if a.email],
    }
    if parsed.reply_to:
        meta["reply_to"] = [a.email for a in parsed.reply_to if a.email]
    if parsed.problems:
        meta["problems"] = parsed.problems
    if parsed.bounced_recipients:
        meta["bounced_recipients"] = parsed.bounced_recipients
    return meta


def _mailbox_for(parsed: ParsedEmail) -> Mailbox | None:
    by_address = _active_mailboxes()
    for address in [*parsed.to, *parsed.cc]:
        if address.email in by_address:
            return by_address[address.email]
    return None


_mailbox_cache: tuple[float, dict[str, Mailbox]] = (0.0, {})
MAILBOX_CACHE_SECONDS = 30


def _active_mailboxes() -> dict[str, Mailbox]:
    """Active mailboxes by address, read at most every 30 s: few, and rarely changed."""
    global _mailbox_cache
    read_at, by_address = _mailbox_cache
    if time.monotonic() - read_at > MAILBOX_CACHE_SECONDS:
        mailboxes = Mailbox.objects.filter(active=True).select_related("location", "team")
        by_address = {m.address.lower(): m for m in mailboxes}
        _mailbox_cache = (time.monotonic(), by_address)
    return by_address


def forget_mailboxes() -> None:
    global _mailbox_cache
    _mailbox_cache = (0.0, {})


def _mark_bounced(parsed: ParsedEmail):
    """Mark the outgoing message a bounce reports on; return its conversation."""
    if not parsed.bounced_message_id:
        return None
    original = (
        Message.objects.filter(
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            external_id=parsed.bounced_message_id,
        )
        .select_related("conversation")
        .first()
    )
    if original is None:
        return None
    recipients = ", ".join(parsed.bounced_recipients) or "the recipient"
    Message.objects.filter(pk=original.pk).update(
        delivery=Delivery.UNDELIVERED, delivery_error=f"bounced for {recipients}"
    )
    return original.conversation


def reprocess(stored: RawEmail) -> IngestResult:
    """Try a quarantined message again (after a fix, or a raised size limit)."""
    RawEmail.objects.filter(pk=stored.pk).update(status=RawStatus.RECEIVED, reason="")
    stored.refresh_from_db()
    return process(stored)


# Long enough that `ingest` running right now is never mistaken for a crash.
UNPROCESSED_AFTER = timedelta(minutes=10)


def awaiting_reprocess():
    """Raw emails waiting for a reprocess: quarantined, or stuck unprocessed."""
    stuck = Q(status=RawStatus.RECEIVED, received_at__lt=timezone.now() - UNPROCESSED_AFTER)
    return (
        RawEmail.objects.filter(Q(status=RawStatus.QUARANTINED) | stuck)
        .defer("data")
        .order_by("received_at", "pk")
    )


def why_waiting(raw: RawEmail) -> str:
    if raw.status == RawStatus.QUARANTINED:
        return (raw.reason.splitlines() or [""])[0]
    return "not processed (processing crashed or was interrupted)"
