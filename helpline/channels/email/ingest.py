"""Inbound mail: raw bytes in, a message on a conversation out.

The pipe command, the LMTP/SMTP listener, the IMAP poller and the mailbox
importer all call `ingest`. The raw bytes are committed first; a message that
cannot be parsed or stored is quarantined with its reason and can be
re-processed with `reprocess`.
"""

import hashlib
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DataError
from django.db.models import Q
from django.utils import timezone

from helpline.channels.email.models import RawEmail, RawStatus
from helpline.channels.email.parse import parse_email
from helpline.channels.email.parsed import ParsedEmail, UnparseableEmail
from helpline.conversations import actions as conversation_actions
from helpline.conversations.models import Channel, Delivery, Direction, Message, MessageKind
from helpline.conversations.receive import Inbound, IncomingAttachment, receive_many
from helpline.core.models import Mailbox
from helpline.core.sql import update_from_values
from helpline.customers.identities import InvalidIdentity, normalise_email
from helpline.customers.models import IdentityKind

log = logging.getLogger(__name__)


class IngestResult:
    def __init__(self, status: str, raw: RawEmail, message: Message | None = None, reason=""):
        self.status = status  # "stored", "duplicate" or "quarantined"
        self.raw = raw
        self._message = message
        self.reason = reason

    @property
    def message(self) -> Message | None:
        """The stored message; for a duplicate, fetched only when asked for."""
        if self._message is None and self.raw.message_id:
            self._message = Message.objects.get(pk=self.raw.message_id)
        return self._message


def ingest(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> IngestResult:
    return ingest_many([raw], source=source, mailbox=mailbox)[0]


def ingest_many(
    raws: list[bytes],
    *,
    source: str,
    mailbox: Mailbox | None = None,
    parsed: list[ParsedEmail | Exception] | None = None,
) -> list[IngestResult]:
    """Ingest several messages with a few queries in all (an import, an IMAP batch).

    ``parsed``, when given, is `parse_many(raws, ...)` done beforehand (the
    importer parses the next batch in another process): one ParsedEmail or the
    exception parsing raised per raw message, used instead of parsing here.
    """
    kept = _keep_raw(raws, source, mailbox)
    results: list[IngestResult | None] = [None] * len(raws)
    todo, seen = [], set()
    for index, (raw, stored) in enumerate(zip(raws, kept, strict=True)):
        if stored.status != RawStatus.RECEIVED or stored.pk in seen:
            results[index] = IngestResult("duplicate", stored)
        else:
            seen.add(stored.pk)
            todo.append((index, stored, raw))
    ahead = None if parsed is None else [parsed[index] for index, _, _ in todo]
    for (index, _, _), result in zip(
        todo, _process_many([(stored, raw) for _, stored, raw in todo], ahead), strict=True
    ):
        results[index] = result
    return results


def _keep_raw(raws: list[bytes], source: str, mailbox: Mailbox | None) -> list[RawEmail]:
    """Commit the bytes (outside a transaction) before anything can go wrong with them.

    The same bytes twice are one row: the second insert is ignored, and the
    row's status tells whether it still waits to be processed.
    """
    digests = [hashlib.sha256(raw).hexdigest() for raw in raws]
    RawEmail.objects.bulk_create(
        [
            RawEmail(sha256=digest, data=raw, size=len(raw), source=source, mailbox=mailbox)
            for digest, raw in zip(digests, raws, strict=True)
        ],
        ignore_conflicts=True,
    )
    by_digest = RawEmail.objects.defer("data").in_bulk(digests, field_name="sha256")
    return [by_digest[digest] for digest in digests]


def process(stored: RawEmail, raw: bytes | None = None) -> IngestResult:
    """Parse and store one kept raw email; quarantine it when that fails."""
    return _process_many([(stored, bytes(stored.data) if raw is None else raw)])[0]


def parse_many(raws: list[bytes], max_bytes: int | None) -> list[ParsedEmail | Exception]:
    """Parse each message; what parsing raised stands in for a message that failed.

    Plain data in and out (picklable): the importer runs it in another process.
    """
    parsed: list[ParsedEmail | Exception] = []
    for raw in raws:
        try:
            parsed.append(parse_email(raw, max_bytes=max_bytes))
        except Exception as exc:  # noqa: BLE001 - handed back, quarantined by _process_many
            parsed.append(exc)
    return parsed


def _process_many(
    items: list[tuple[RawEmail, bytes]], ahead: list[ParsedEmail | Exception] | None = None
) -> list[IngestResult]:
    results: list[IngestResult | None] = [None] * len(items)
    ready: list[tuple[int, RawEmail, Inbound]] = []
    for index, (stored, raw) in enumerate(items):
        try:
            if ahead is None:
                parsed = parse_email(raw, max_bytes=settings.HELPLINE_MAX_EMAIL_BYTES)
            elif isinstance(ahead[index], Exception):
                raise ahead[index]
            else:
                parsed = ahead[index]
        except UnparseableEmail as exc:
            results[index] = _quarantine(stored, str(exc))
            continue
        except Exception as exc:  # a parser bug must not lose the mail
            log.exception("parsing raw email %s failed", stored.sha256)
            results[index] = _quarantine(stored, f"parser error: {type(exc).__name__}: {exc}")
            continue
        try:
            ready.append((index, stored, _inbound(stored, parsed)))
        except (InvalidIdentity, ValueError) as exc:
            results[index] = _quarantine(stored, str(exc))
    try:
        received = receive_many([inbound for _, _, inbound in ready])
    except (InvalidIdentity, ValueError, DataError) as exc:
        if len(ready) == 1:
            index, stored, _ = ready[0]
            results[index] = _quarantine(stored, str(exc))
            return results
        received = None
    if received is None:  # one bad message spoiled the batch: find it
        for index, stored, _ in ready:
            again = None if ahead is None else [ahead[index]]
            results[index] = _process_many([(stored, items[index][1])], again)[0]
        return results
    now = timezone.now()
    duplicates = []
    for (index, stored, _), outcome in zip(ready, received, strict=True):
        stored.status = RawStatus.STORED
        stored.message = outcome.message
        stored.processed_at = now
        if not outcome.created:
            stored.reason = "same Message-ID already stored"
            duplicates.append(stored.pk)
        results[index] = IngestResult(
            "stored" if outcome.created else "duplicate", stored, outcome.message
        )
    # Marked after the messages are stored (in the same transaction when there
    # is one): a crash in between leaves them "received", and reprocessing
    # finds the stored duplicates.
    batch = [stored for _, stored, _ in ready]
    RawEmail.objects.filter(pk__in=[r.pk for r in batch]).update(
        status=RawStatus.STORED, processed_at=now, reason=""
    )
    update_from_values(RawEmail, "message", [(r.pk, r.message_id) for r in batch])
    if duplicates:
        RawEmail.objects.filter(pk__in=duplicates).update(reason="same Message-ID already stored")
    return results


def _set_status(stored: RawEmail, **fields) -> None:
    fields["processed_at"] = timezone.now()
    RawEmail.objects.filter(pk=stored.pk).update(**fields)
    for name, value in fields.items():
        setattr(stored, name, value)


def _quarantine(stored: RawEmail, reason: str) -> IngestResult:
    _set_status(stored, status=RawStatus.QUARANTINED, reason=reason[:2000])
    log.warning("quarantined raw email %s: %s", stored.sha256[:12], reason)
    return IngestResult("quarantined", stored, reason=reason)


def _inbound(stored: RawEmail, parsed: ParsedEmail) -> Inbound:
    sender = parsed.from_.email if parsed.from_ else ""
    mailbox = _mailbox_by_id(stored.mailbox_id) or _mailbox_for(parsed)
    conversation = None
    if parsed.kind == MessageKind.BOUNCE:
        conversation = _mark_bounced(parsed)
    elif parsed.bounced_message_id:  # a delay warning or a delivery report: nobody bounced
        conversation = _reported_on(parsed)
    if not sender and conversation is None:
        raise UnparseableEmailForStorage("no sender address to attribute the message to")
    if len(parsed.message_id) > MAX_ID_LENGTH:
        raise UnparseableEmailForStorage(f"Message-ID longer than {MAX_ID_LENGTH} characters")
    if sender and conversation is None:
        normalise_email(sender)  # raises InvalidIdentity: quarantined with its reason
    refs = [ref for ref in parsed.thread_ids() if len(ref) <= MAX_ID_LENGTH]
    roots = [ref for ref in parsed.references if len(ref) <= MAX_ID_LENGTH] or refs
    return Inbound(
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
        thread_key=roots[0] if roots else "",
        conversation=conversation,
        mailbox=mailbox,
        received_at=parsed.date if _plausible(parsed.date) else None,
        attachments=[
            IncomingAttachment(a.filename, a.content_type, a.content, a.content_id, a.inline)
            for a in parsed.attachments
        ],
        meta=_meta(parsed, sender, stored.source),
    )


class UnparseableEmailForStorage(ValueError):
    pass


MAX_ID_LENGTH = 998  # RFC 5322's line limit, and the column's


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


def _mailbox_by_id(pk: int | None) -> Mailbox | None:
    if pk is None:
        return None
    for mailbox in _active_mailboxes().values():
        if mailbox.pk == pk:
            return mailbox
    return Mailbox.objects.filter(pk=pk).select_related("location", "team").first()


def forget_mailboxes() -> None:
    global _mailbox_cache
    _mailbox_cache = (0.0, {})


def _reported_message(parsed: ParsedEmail) -> Message | None:
    """Our outgoing message a mail system's report (bounce, delay, delivery) is about."""
    if not parsed.bounced_message_id:
        return None
    return (
        Message.objects.filter(
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            external_id=parsed.bounced_message_id,
        )
        .select_related("conversation")
        .first()
    )


def _reported_on(parsed: ParsedEmail):
    """The conversation of the message a report that is not a failure is about."""
    original = _reported_message(parsed)
    return original.conversation if original is not None else None


# A bounce that quotes no Message-ID of ours is matched to our latest mail to its one
# bounced recipient written this many days before it arrived.
BOUNCE_BY_RECIPIENT_DAYS = 7


def _bounced_by_recipient(parsed: ParsedEmail) -> Message | None:
    """Our latest mail, not yet marked undelivered, to a bounce's only recipient."""
    if len(parsed.bounced_recipients) != 1:
        return None  # several: which of our mails went to all of them is guesswork
    address = parsed.bounced_recipients[0].lower()
    since = timezone.now() - timedelta(days=BOUNCE_BY_RECIPIENT_DAYS)
    candidates = (
        Message.objects.filter(
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            created_at__gte=since,
            outbound__to__icontains=address,
        )
        .exclude(delivery=Delivery.UNDELIVERED)
        .select_related("conversation", "outbound")
        .order_by("-created_at", "-id")[:20]
    )
    for message in candidates:
        if address in (a.lower() for a in message.outbound.to):
            return message
    return None


def _mark_bounced(parsed: ParsedEmail):
    """Mark the outgoing message a bounce reports on; return its conversation."""
    original = _reported_message(parsed) or _bounced_by_recipient(parsed)
    if original is None:
        return None
    recipients = ", ".join(parsed.bounced_recipients) or "the recipient"
    conversation_actions.mark_undelivered(original, f"bounced for {recipients}")
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
