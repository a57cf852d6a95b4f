"""Polling IMAP mailboxes: every message of the folder, once, whatever crashes.

Progress is the `ImapCursor` of the mailbox: the folder's UIDVALIDITY and the
highest UID whose message is committed. A poll

1. takes the mailbox's poller lock, or skips the mailbox when another poller
   has it (two overlapping pollers never work on one mailbox);
2. selects the folder; when its UIDVALIDITY differs from the cursor's, the
   server renumbered the folder and the cursor starts again from UID 0;
3. lists the UIDs above the cursor and fetches them in UID order, in batches
   bounded by count and bytes, with ``BODY.PEEK[]`` so that fetching alone
   marks nothing as read;
4. ingests each message and moves the cursor past it once `ingest` has
   committed it; a batch done, marks its messages \\Seen (unless asked not to).

A crash anywhere loses nothing: the cursor only ever points past committed
messages. The one message that may be committed but not yet counted is
fetched again on the next poll, and `ingest` answers "duplicate" (it
deduplicates by the sha256 of the bytes and by Message-ID); so does a folder
refetched after a UIDVALIDITY change. Nothing is ever deleted or moved on the
server, and \\Seen is informational only: it is never what decides what to fetch.

The first poll of a mailbox takes every message already in the folder.

The lock: a PostgreSQL session advisory lock, or on SQLite (one machine by
nature) an flock on a file in the data folder. Both are released by the
operating system or the database when the poller dies, so a killed poller
leaves no stale lock behind.
"""

import contextlib
import logging
import ssl as ssl_module
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.db import DatabaseError
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from helpline.channels.email.listener import hand_over
from helpline.channels.email.models import ImapCursor
from helpline.core.locks import only_one
from helpline.core.models import Mailbox, MailboxDelivery

log = logging.getLogger(__name__)

BATCH_MESSAGES = 50
BATCH_BYTES = 16 * 1024 * 1024
TIMEOUT_SECONDS = 60
_LOCK_NAMESPACE = 0x494D4150  # "IMAP", the first key of pg_try_advisory_lock(int, int)


@dataclass
class FetchReport:
    mailbox: str
    fetched: int = 0
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    kept: int = 0  # raw committed, processing failed: see `helpline quarantine`
    uidvalidity_reset: bool = False
    busy: bool = False  # another poller had the mailbox
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        if self.busy:
            return f"{self.mailbox}: skipped, another poller is fetching it"
        parts = [
            f"{self.fetched} fetched",
            f"{self.stored} stored",
            f"{self.duplicate} duplicate",
            f"{self.quarantined} quarantined",
        ]
        if self.kept:
            parts.append(f"{self.kept} kept unprocessed")
        line = f"{self.mailbox}: " + ", ".join(parts)
        if self.uidvalidity_reset:
            line += " (UIDVALIDITY changed: folder read again from the start)"
        if self.error:
            line += f"; ERROR {self.error}"
        return line


def imap_mailboxes():
    return Mailbox.objects.filter(active=True, delivery=MailboxDelivery.IMAP)


def fetch_all(mark_seen: bool = True) -> dict:
    """Poll every active IMAP mailbox once; {address: report as a dict}."""
    reports = {}
    for mailbox in imap_mailboxes():
        reports[mailbox.address] = fetch_mailbox(mailbox, mark_seen=mark_seen).as_dict()
    return reports


def fetch_mailbox(mailbox: Mailbox, *, mark_seen: bool = True) -> FetchReport:
    report = FetchReport(mailbox.address)
    with poller_lock(mailbox) as locked:
        if not locked:
            report.busy = True
            return report
        try:
            _poll(mailbox, report, mark_seen)
        except (IMAPClientError, OSError, ssl_module.SSLError) as exc:
            report.error = f"IMAP: {exc}"
            log.warning("fetching %s failed: %s", mailbox.address, exc)
        except DatabaseError as exc:
            report.error = f"database: {exc}"
            log.warning("fetching %s stopped on a database error: %s", mailbox.address, exc)
    return report


def _poll(mailbox: Mailbox, report: FetchReport, mark_seen: bool) -> None:
    cursor, _ = ImapCursor.objects.get_or_create(mailbox=mailbox)
    with _connect(mailbox) as client:
        selected = client.select_folder(mailbox.imap_folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        if cursor.uidvalidity != uidvalidity:
            report.uidvalidity_reset = cursor.uidvalidity != 0
            _reset(cursor, uidvalidity)
        uids = sorted(u for u in client.search(["UID", f"{cursor.last_uid + 1}:*"]))
        # "n:*" always matches the highest UID, even one below n.
        uids = [u for u in uids if u > cursor.last_uid]
        for batch in _batches(client, uids):
            done = []
            for uid, raw in _fetch(client, batch):
                handoff = hand_over(raw, source="imap", mailbox=mailbox)
                if not handoff.accepted:
                    raise DatabaseError(handoff.error)
                report.fetched += 1
                setattr(report, handoff.status, getattr(report, handoff.status) + 1)
                _advance(cursor, uid)
                done.append(uid)
            # Expunged between SEARCH and FETCH: UIDs are never reused, move past them.
            _advance(cursor, max(batch))
            if mark_seen and done:
                client.add_flags(done, [b"\\Seen"], silent=True)


@contextlib.contextmanager
def _connect(mailbox: Mailbox) -> Iterator[IMAPClient]:
    context = ssl_module.create_default_context() if mailbox.imap_ssl else None
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_ssl,
        ssl_context=context,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        client.login(mailbox.imap_user or mailbox.address, mailbox.imap_password())
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def _batches(client: IMAPClient, uids: list[int]) -> Iterator[list[int]]:
    """UIDs in order, grouped so that one FETCH holds at most so many messages and bytes."""
    for start in range(0, len(uids), BATCH_MESSAGES * 10):
        chunk = uids[start : start + BATCH_MESSAGES * 10]
        sizes = client.fetch(chunk, ["RFC822.SIZE"])
        batch: list[int] = []
        total = 0
        for uid in chunk:
            size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
            if batch and (len(batch) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
                yield batch
                batch, total = [], 0
            batch.append(uid)
            total += size
        if batch:
            yield batch


def _fetch(client: IMAPClient, batch: list[int]) -> Iterator[tuple[int, bytes]]:
    """(uid, raw bytes) in UID order; a UID missing from the answer was expunged meanwhile."""
    response = client.fetch(batch, ["BODY.PEEK[]"])
    for uid in sorted(batch):
        if uid not in response:
            continue
        raw = response[uid].get(b"BODY[]")
        if raw is None:
            # Never skip a message the server did not hand over: stop, retry next poll.
            raise IMAPClientError(f"the server returned no body for UID {uid}")
        yield uid, bytes(raw)


def _reset(cursor: ImapCursor, uidvalidity: int) -> None:
    ImapCursor.objects.filter(pk=cursor.pk).update(uidvalidity=uidvalidity, last_uid=0)
    cursor.uidvalidity, cursor.last_uid = uidvalidity, 0


def _advance(cursor: ImapCursor, uid: int) -> None:
    """Move the cursor forward past a committed UID (never backwards)."""
    if uid <= cursor.last_uid:
        return
    ImapCursor.objects.filter(
        pk=cursor.pk, uidvalidity=cursor.uidvalidity, last_uid__lt=uid
    ).update(last_uid=uid)
    cursor.last_uid = uid


# --------------------------------------------------------------------------- lock


def poller_lock(mailbox: Mailbox):
    """True when this process may poll the mailbox, False when another one is."""
    return only_one("imap", _LOCK_NAMESPACE, mailbox.pk)
