"""Mail handed to Helpline by a mail server: LMTP and SMTP on loopback, and the stdin pipe.

`helpline mail-listener` serves LMTP (for Postfix's ``lmtp:`` transport, Dovecot
LMTP proxies, Exim's ``lmtp`` transport) and plain SMTP (for an MTA's relay or
``transport_maps``) on 127.0.0.1. It is not an open relay: only the address of
an active Mailbox is accepted as a recipient, anything else is refused at
RCPT (550). It does no authentication or TLS, so keep it on loopback (or a
private network) behind the real MTA.

Every transport answers the same way, decided by `hand_over`:

* the message's raw bytes are committed (stored, duplicate or quarantined:
  nothing is lost) -> accepted (250 / exit 0);
* the database could not be reached, or failed before the raw bytes were
  committed -> a temporary failure (451 / EX_TEMPFAIL), so the MTA keeps the
  message and tries again. A retry is harmless: `ingest` deduplicates by the
  sha256 of the bytes and by Message-ID.

A message with several recipients is ingested once, for the mailbox of its
first accepted recipient (the bytes are the same, so ingesting them again
would only answer "duplicate"). LMTP answers DATA once per recipient, as
RFC 2033 requires.
"""

import asyncio
import hashlib
import logging
import signal
from dataclasses import dataclass

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from helpline.channels.email.ingest import IngestResult, ingest
from helpline.channels.email.models import RawEmail
from helpline.core.models import Mailbox

log = logging.getLogger(__name__)

TEMPFAIL = "451 4.3.0 Temporary failure, please try again later"


@dataclass
class Handoff:
    """What became of one message a transport handed to `ingest`.

    ``status`` is ``stored``, ``duplicate`` or ``quarantined`` (from `ingest`),
    ``kept`` (the raw bytes are committed but processing them failed
    unexpectedly; `helpline reprocess` tries again) or ``failed`` (nothing was
    committed; the sender must retry).
    """

    status: str
    result: IngestResult | None = None
    error: str = ""

    @property
    def accepted(self) -> bool:
        return self.status != "failed"

    def describe(self) -> str:
        result = self.result
        if result is None:
            return f"{self.status}: {self.error}"
        if result.status == "quarantined":
            return f"quarantined {result.raw.sha256[:12]}: {result.reason}"
        if result.message is None:
            return f"{result.status} {result.raw.sha256[:12]}"
        return f"{result.status} on conversation {result.message.conversation_id}"


def hand_over(raw: bytes, *, source: str, mailbox: Mailbox | None = None) -> Handoff:
    """Ingest one message for a transport and say whether the sender may forget it."""
    try:
        result = ingest(raw, source=source, mailbox=mailbox)
    except DatabaseError as exc:
        log.warning("database error while ingesting %s mail: %s", source, exc)
        return Handoff("failed", error=f"database error: {exc}")
    except Exception as exc:
        log.exception("ingesting %s mail failed", source)
        error = f"{type(exc).__name__}: {exc}"
        return Handoff("kept" if _raw_kept(raw) else "failed", error=error)
    return Handoff(result.status, result)


def _raw_kept(raw: bytes) -> bool:
    try:
        return RawEmail.objects.filter(sha256=hashlib.sha256(raw).hexdigest()).exists()
    except DatabaseError:
        return False


def active_mailbox(address: str) -> Mailbox | None:
    return (
        Mailbox.objects.filter(address__iexact=address.strip(), active=True)
        .select_related("location", "team")
        .first()
    )


# --------------------------------------------------------------------------- LMTP / SMTP


def _find_recipient(address: str) -> Mailbox | None:
    close_old_connections()  # a long-lived server: drop connections that broke or aged
    return active_mailbox(address)


def _deliver(raw: bytes, source: str, recipient: str) -> tuple[Handoff, str]:
    """The handoff and its description, both made here, in the sync thread: describing a
    duplicate reads its stored message, which the event loop's thread may not do."""
    close_old_connections()
    try:
        try:
            mailbox = active_mailbox(recipient)
        except DatabaseError as exc:
            log.warning("database error while looking up %s: %s", recipient, exc)
            handoff = Handoff("failed", error=f"database error: {exc}")
        else:
            handoff = hand_over(raw, source=source, mailbox=mailbox)
        return handoff, _describe(handoff)
    finally:
        close_old_connections()


def _describe(handoff: Handoff) -> str:
    try:
        return handoff.describe()
    except DatabaseError as exc:  # the answer stands: the bytes are committed or they are not
        return f"{handoff.status} (not described: {exc})"


class MailHandler:
    """The aiosmtpd handler: accept mailbox recipients, ingest the message once.

    The ORM is synchronous, so lookups and `ingest` run in asgiref's one
    sync thread (`sync_to_async`), one message at a time.
    """

    def __init__(self, source: str):
        self.source = source

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            mailbox = await sync_to_async(_find_recipient)(address)
        except DatabaseError as exc:
            log.warning("database error while checking recipient %s: %s", address, exc)
            return TEMPFAIL
        if mailbox is None:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = bytes(envelope.original_content)
        handoff, described = await sync_to_async(_deliver)(raw, self.source, envelope.rcpt_tos[0])
        log.info(
            "%s mail from %s to %s: %s",
            self.source,
            envelope.mail_from,
            ", ".join(envelope.rcpt_tos),
            described,
        )
        reply = f"250 2.0.0 OK {handoff.status}" if handoff.accepted else TEMPFAIL
        if isinstance(server, LMTP):
            return "\r\n".join(reply for _ in envelope.rcpt_tos)
        return reply


class _LongLines:
    # RFC 5321 allows 1000 octets a line, but real mail breaks that; refusing
    # it would bounce a customer's message, so accept long lines.
    line_length_limit = 64 * 1024


class HelplineSMTP(_LongLines, SMTP):
    pass


class HelplineLMTP(_LongLines, LMTP):
    pass


def protocol_factory(protocol: str):
    """A factory for `loop.create_server` (or aiosmtpd's Controller) serving LMTP or SMTP."""
    server_class = HelplineLMTP if protocol == "lmtp" else HelplineSMTP
    handler = MailHandler(protocol)

    def factory():
        return server_class(
            handler,
            hostname=settings.HELPLINE_MAIL_DOMAIN,
            ident="Helpline",
            data_size_limit=settings.HELPLINE_MAX_EMAIL_BYTES,
            enable_SMTPUTF8=True,
        )

    return factory


async def serve(host: str, lmtp_port: int, smtp_port: int, on_ready=None) -> None:
    """Serve LMTP and/or SMTP (a port of 0 is off) until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    servers = []
    listening = []  # (protocol, host, port)
    try:
        for protocol, port in (("lmtp", lmtp_port), ("smtp", smtp_port)):
            if port:
                server = await loop.create_server(protocol_factory(protocol), host, port)
                servers.append(server)
                bound = server.sockets[0].getsockname()
                listening.append((protocol.upper(), bound[0], bound[1]))
        if on_ready:
            on_ready(listening)
        await stop.wait()
    finally:
        for server in servers:
            server.close()
        for server in servers:
            await server.wait_closed()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
