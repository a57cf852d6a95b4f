"""Import existing mail: an mbox file (also .gz), a Maildir, or a folder of .eml files.

Every message goes through `ingest(raw, source="import")`, like mail that arrives
live, so it is kept raw first, threaded, deduplicated and quarantined the same way.

Reading
  * mbox is streamed from a binary handle, one message at a time: a message
    starts at a line beginning with ``From `` that follows a blank line (or
    opens the file) and that looks like an envelope line (it holds a time,
    ``hh:mm``), so a body line "From what I hear..." that a sloppy writer left
    unescaped does not split a message. The ``From `` line itself is the
    envelope and is not part of the message, nor is the blank line that
    separates two messages. Body lines ``>From ``, ``>>From `` ... lose one
    ``>`` (mboxrd unescaping): mboxrd writers then give back the exact bytes
    that were delivered (so the sha256 matches the same mail fetched over
    IMAP); for an old mboxo file the only change is that a quoted ``>From `` in
    a body reads ``From ``.
  * A Maildir is read from ``cur/`` and ``new/`` (never ``tmp/``, where
    deliveries are still being written), file names sorted; the ``:2,FLAGS``
    part of a name is the client's flags and is ignored, as are dot-files.
    Maildir++ sub-folders (``.Sent``, ``.Trash``) are not imported: point
    PATH at one to import it.
  * A folder is walked recursively: ``*.eml`` (and ``*.eml.gz``) are one
    message each, ``*.mbox``/``*.mbx`` (and ``.gz``) are mbox files, a
    sub-folder with cur/new/tmp is a Maildir; other files are counted as
    ignored.
  * A file given as PATH is an mbox when it starts with ``From ``, otherwise
    one message; gzip is recognised by its magic bytes.

Resuming (after Ctrl-C or kill -9)
  Correctness comes from `ingest`: it deduplicates by the sha256 of the raw
  bytes, so a message imported twice is stored once whatever happens. Speed
  comes from a checkpoint per mbox file (an ImportCheckpoint row in the same
  database), keyed by absolute path, size and modification time, holding the
  byte offset (of the decompressed stream) up to which every message was
  committed: a rerun seeks there instead of reading, hashing and looking up a
  gigabyte again. A changed file (size or mtime) starts over, safely, thanks to
  the dedup. Folders of files have no checkpoint: a rerun reads each file and
  `ingest` answers "duplicate" after one indexed lookup.

Transactions
  Messages are committed in batches (``batch`` messages, default 50): the
  transactions of `ingest` then become savepoints, and one commit covers the
  batch. The source file stays the durable copy, so an interrupted batch is
  simply imported again on the next run. When a message raises, its batch is
  rolled back and imported again one message at a time outside any batch,
  where `ingest` commits each raw message first: a message that keeps failing
  is kept (status "received") and counted as failed, and the others are
  stored.

Parsing ahead
  Parsing is about half the work. On a machine with a second core (and on
  Linux), one child process, forked when the import starts, parses batch k+1
  while this process stores batch k (`ParseAhead`); the parsed messages come
  back pickled and `ingest_many(..., parsed=...)` stores them, quarantining
  what failed to parse exactly as it does when it parses itself. Everything
  above holds unchanged: a batch is committed in one transaction, checkpoint
  saves wait for the commit of the batch that holds their messages, and a
  batch that fails is retried message by message. The child ignores Ctrl-C
  (the parent handles it and shuts the child down) and dies with the parent
  even after a kill -9 (PR_SET_PDEATHSIG). ``jobs=1`` (``--jobs 1``) parses in
  this process, as does a machine with one core; if the child dies, the
  import goes on parsing here.

Acknowledgements
  Imported mail is history: messages ingested with source "import" never get
  the "we have your message" acknowledgement (see acknowledge.py).
"""

import ctypes
import gzip
import hashlib
import logging
import multiprocessing
import os
import pickle
import re
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction

from helpline.channels.email.ingest import ingest, ingest_many, parse_many
from helpline.channels.email.models import ImportCheckpoint
from helpline.core.models import Mailbox

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
_ENVELOPE_TIME = re.compile(rb"\d{1,2}:\d\d")
_ESCAPED_FROM = re.compile(rb"^>+From ")
_EML = (".eml", ".eml.gz")
_MBOX = (".mbox", ".mbx", ".mbox.gz", ".mbx.gz")


# --------------------------------------------------------------------------- reading


def is_from_line(line: bytes) -> bool:
    return line.startswith(b"From ") and _ENVELOPE_TIME.search(line) is not None


def read_mbox(handle: BinaryIO, start: int = 0) -> Iterator[tuple[bytes, int]]:
    """Yield (raw message, offset just past it) from an mbox handle, streaming.

    ``start`` must be 0 or an offset this function yielded (the start of a From_ line).
    """
    if start:
        handle.seek(start)
    position = start
    lines: list[bytes] = []
    in_message = False
    previous_blank = True  # the file start counts as a blank line
    for line in handle:
        if previous_blank and is_from_line(line):
            if in_message:
                yield _message(lines), position
            lines = []
            in_message = True
        elif in_message:
            if line[:1] == b">" and _ESCAPED_FROM.match(line):
                lines.append(line[1:])
            else:
                lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
        position += len(line)
    if in_message:
        yield _message(lines), position


def _message(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the blank line that separates messages
    return b"".join(lines)


def open_maybe_gzip(path: Path) -> BinaryIO:
    raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")
    raw.seek(0)
    return raw


@dataclass
class Source:
    """One file to read: an mbox, or a single message."""

    path: Path
    kind: str  # "mbox" or "message"

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def find_sources(path: Path) -> tuple[list[Source], int]:
    """The files under PATH to import, in a stable order, and how many were ignored."""
    path = Path(path)
    if path.is_file():
        return [Source(path, _file_kind(path))], 0
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if _is_maildir(path):
        return _maildir_sources(path), 0
    sources: list[Source] = []
    ignored = 0
    for folder, dirs, files in os.walk(path):
        here = Path(folder)
        dirs.sort()
        for name in list(dirs):
            if _is_maildir(here / name):
                sources.extend(_maildir_sources(here / name))
                dirs.remove(name)
        for name in sorted(files):
            lower = name.lower()
            if lower.endswith(_EML):
                sources.append(Source(here / name, "message"))
            elif lower.endswith(_MBOX):
                sources.append(Source(here / name, "mbox"))
            elif not name.startswith("."):
                ignored += 1
    return sources, ignored


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _maildir_sources(path: Path) -> list[Source]:
    sources = []
    for sub in ("cur", "new"):
        names = sorted(n for n in os.listdir(path / sub) if not n.startswith("."))
        sources.extend(Source(path / sub / n, "message") for n in names)
    return sources


def _file_kind(path: Path) -> str:
    with open_maybe_gzip(path) as handle:
        head = handle.read(5)
    return "mbox" if head == b"From " else "message"


# --------------------------------------------------------------------------- checkpoints


class Checkpoints:
    """How far each mbox file was imported, kept in the database it was imported into.

    Kept beside the data, a checkpoint can never outlive it: a fresh database
    starts every import from the beginning.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled

    @staticmethod
    def _key(source: Path) -> str:
        stat = source.stat()
        key = f"{source.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}"
        return hashlib.sha256(key.encode()).hexdigest()

    def load(self, source: Path) -> dict:
        start = {"offset": 0, "messages": 0, "done": False}
        if not self.enabled:
            return start
        found = ImportCheckpoint.objects.filter(key=self._key(source)).first()
        if found is None:
            return start
        return {"offset": found.offset, "messages": found.messages, "done": found.done}

    def save(self, source: Path, offset: int, messages: int, done: bool = False) -> None:
        if not self.enabled:
            return
        ImportCheckpoint.objects.update_or_create(
            key=self._key(source),
            defaults={
                "path": str(source.resolve()),
                "offset": offset,
                "messages": messages,
                "done": done,
            },
        )


# --------------------------------------------------------------------------- importing


@dataclass
class ImportReport:
    path: str
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    failed: int = 0  # ingest raised; the raw bytes are kept when possible, see `failures`
    resumed: int = 0  # skipped without reading: done by an earlier run (mbox checkpoint)
    ignored_files: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return self.stored + self.duplicate + self.quarantined + self.failed

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "messages": self.messages,
            "stored": self.stored,
            "duplicate": self.duplicate,
            "quarantined": self.quarantined,
            "failed": self.failed,
            "resumed": self.resumed,
            "ignored_files": self.ignored_files,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
        }


class ParseAhead:
    """Parse the next batch in one child process while this one stores the last.

    Linux only (the child is forked, and dies with its parent through
    PR_SET_PDEATHSIG, even after a kill -9). What the child returns is pickled
    plain data; a batch the child cannot return (it died, or a parser raised an
    exception that does not survive pickling) is parsed here instead.
    """

    def __init__(self):
        context = multiprocessing.get_context("fork")
        self.pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=_start_child,
            initargs=(os.getpid(),),
        )
        self.broken = False

    @staticmethod
    def available() -> bool:
        return sys.platform == "linux"

    def submit(self, raws: list[bytes]) -> Future | None:
        if self.broken:
            return None
        try:
            return self.pool.submit(_parse_in_child, raws, settings.HELPLINE_MAX_EMAIL_BYTES)
        except BrokenProcessPool:
            self.broken = True
            return None

    def result(self, future: Future | None) -> list | None:
        """The parsed batch, or None: parse it here."""
        if future is None:
            return None
        try:
            return future.result()
        except BrokenProcessPool as exc:
            log.warning("the parsing process died (%s); parsing in this process from now on", exc)
            self.broken = True
        except Exception as exc:  # noqa: BLE001 - the batch is parsed here instead
            log.warning("parsing ahead failed (%s: %s); parsing here", type(exc).__name__, exc)
        return None

    def close(self) -> None:
        # Waits for at most the one batch the child is parsing.
        self.pool.shutdown(wait=True, cancel_futures=True)


PR_SET_PDEATHSIG = 1


def _start_child(parent: int) -> None:
    """Runs first in the child: die with the parent, leave Ctrl-C and SIGTERM to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal sends it to both
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent died before prctl: nobody is left to tell
        os._exit(1)


def _parse_in_child(raws: list[bytes], max_bytes: int | None) -> list | None:
    parsed = parse_many(raws, max_bytes)
    for item in parsed:
        if isinstance(item, Exception):
            try:
                pickle.loads(pickle.dumps(item))
            except Exception:  # noqa: BLE001 - the parent parses this batch itself
                return None
    return parsed


@dataclass
class _Sent:
    """A batch handed to the parsing process, not stored yet."""

    pending: list[tuple[bytes, str]]
    callbacks: list
    future: Future | None


class _Batch:
    """Ingest messages in one transaction per `size` messages; retry failures alone.

    With ``ahead`` (a ParseAhead), a full batch is sent to the child to be
    parsed, and the batch sent before it is stored meanwhile: one batch is
    always in flight. Checkpoint saves stay attached to the batch that holds
    their messages and run once it is committed.
    """

    def __init__(self, importer: "MailImporter", size: int, ahead: ParseAhead | None = None):
        self.importer = importer
        self.size = max(1, size)
        self.ahead = ahead
        self.pending: list[tuple[bytes, str]] = []
        self.on_commit: list = []  # checkpoint saves, run once the batch is durable
        self.sent: _Sent | None = None  # being parsed in the child

    def add(self, raw: bytes, where: str) -> None:
        self.pending.append((raw, where))
        if len(self.pending) >= self.size:
            self._send()

    def after_commit(self, callback) -> None:
        if self.pending:
            self.on_commit.append(callback)
        elif self.sent is not None:
            self.sent.callbacks.append(callback)
        else:
            callback()

    def flush(self) -> None:
        """Store everything added so far."""
        self._send()
        sent, self.sent = self.sent, None
        if sent is not None:
            self._store(sent.pending, sent.callbacks, self.ahead.result(sent.future))

    def _send(self) -> None:
        pending, self.pending = self.pending, []
        callbacks, self.on_commit = self.on_commit, []
        if self.ahead is None:
            self._store(pending, callbacks, None)
            return
        future = self.ahead.submit([raw for raw, _ in pending]) if pending else None
        sent, self.sent = self.sent, _Sent(pending, callbacks, future)
        if sent is not None:
            self._store(sent.pending, sent.callbacks, self.ahead.result(sent.future))

    def _store(self, pending: list[tuple[bytes, str]], callbacks: list, parsed: list | None):
        if pending:
            self._ingest(pending, parsed)
        for callback in callbacks:
            callback()

    def _ingest(self, pending: list[tuple[bytes, str]], parsed: list | None) -> None:
        try:
            with transaction.atomic():
                outcomes = self.importer.ingest_batch([raw for raw, _ in pending], parsed)
        except Exception:  # noqa: BLE001 - the batch is rolled back and done one by one
            log.warning("a batch of %d messages failed; importing them one by one", len(pending))
            outcomes = None
        if outcomes is not None:
            for outcome in outcomes:
                self.importer.count(outcome)
            return
        for index, (raw, where) in enumerate(pending):
            try:
                one = None if parsed is None else parsed[index]
                self.importer.count(self.importer.ingest_one(raw, one))
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the rest
                log.exception("importing %s failed", where)
                self.importer.fail(where, exc)


def default_jobs() -> int:
    """2 (parse ahead in a second process) when this process may use two cores, else 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return 2 if cores > 1 and ParseAhead.available() else 1


class MailImporter:
    def __init__(
        self,
        path: Path,
        *,
        mailbox: Mailbox | None = None,
        batch: int = 50,
        resume: bool = True,
        progress=None,
        jobs: int | None = None,
    ):
        self.path = Path(path)
        self.mailbox = mailbox
        self.batch_size = batch
        self.jobs = default_jobs() if jobs is None else jobs  # 1: parse in this process
        self.checkpoints = Checkpoints(resume)
        self.progress = progress  # a tqdm-like object (update(n), set_postfix_str), or None
        self.report = ImportReport(path=str(path))

    # -- counting

    def ingest_one(self, raw: bytes, parsed=None) -> str:
        if parsed is None:
            return ingest(raw, source="import", mailbox=self.mailbox).status
        return self.ingest_batch([raw], [parsed])[0]

    def ingest_batch(self, raws: list[bytes], parsed: list | None = None) -> list[str]:
        results = ingest_many(raws, source="import", mailbox=self.mailbox, parsed=parsed)
        return [r.status for r in results]

    def count(self, outcome: str) -> None:
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        self._show()

    def fail(self, where: str, exc: Exception) -> None:
        self.report.failed += 1
        self.report.failures.append(f"{where}: {type(exc).__name__}: {exc}")
        self._show()

    def _show(self) -> None:
        if self.progress is not None:
            r = self.report
            self.progress.set_postfix_str(
                f"stored {r.stored}, duplicate {r.duplicate}, quarantined {r.quarantined}"
                + (f", failed {r.failed}" if r.failed else ""),
                refresh=False,
            )

    def _advance(self, nbytes: int) -> None:
        if self.progress is not None and nbytes:
            self.progress.update(nbytes)

    # -- running

    def sources(self) -> list[Source]:
        sources, self.report.ignored_files = find_sources(self.path)
        return sources

    def run(self, sources: list[Source] | None = None) -> ImportReport:
        started = time.monotonic()
        sources = self.sources() if sources is None else sources
        ahead = ParseAhead() if self.jobs > 1 and ParseAhead.available() else None
        batch = _Batch(self, self.batch_size, ahead)
        try:
            for source in sources:
                if source.kind == "mbox":
                    self._import_mbox(source, batch)
                else:
                    self._import_message(source, batch)
            batch.flush()
        except KeyboardInterrupt:
            # The open batches were not committed; their messages are read again next time.
            self.report.interrupted = True
        finally:
            if ahead is not None:
                ahead.close()
            self.report.seconds = time.monotonic() - started
        return self.report

    def _import_message(self, source: Source, batch: _Batch) -> None:
        try:
            with open_maybe_gzip(source.path) as handle:
                raw = handle.read()
        except OSError as exc:
            self.fail(str(source.path), exc)
            return
        batch.add(raw, str(source.path))
        self._advance(source.size)

    def _import_mbox(self, source: Source, batch: _Batch) -> None:
        state = self.checkpoints.load(source.path)
        size = source.size
        if state.get("done"):
            self.report.resumed += state["messages"]
            self._advance(size)
            return
        offset, done_messages = state["offset"], state["messages"]
        self.report.resumed += done_messages
        with open(source.path, "rb") as disk:
            gzipped = disk.read(2) == GZIP_MAGIC
            disk.seek(0)
            handle = gzip.GzipFile(fileobj=disk, mode="rb") if gzipped else disk
            read_before = 0
            last_save = time.monotonic()
            end, total = offset, done_messages
            for raw, end in read_mbox(handle, offset):  # noqa: B007 - end is used after the loop
                total += 1
                batch.add(raw, f"{source.path} message {total}")
                on_disk = disk.tell()
                self._advance(on_disk - read_before)
                read_before = on_disk
                if time.monotonic() - last_save > 1.0:
                    last_save = time.monotonic()
                    batch.after_commit(self._saver(source.path, end, total))
            self._advance(size - read_before)
        batch.after_commit(self._saver(source.path, end, total, done=True))

    def _saver(self, path: Path, offset: int, messages: int, done: bool = False):
        def save():
            if self.report.failed:
                return  # a failed message must be tried again: keep the older checkpoint
            self.checkpoints.save(path, offset, messages, done)

        return save
