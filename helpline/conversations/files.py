"""Attachment files without a row: what a rolled-back or killed transaction leaves.

A file is written to storage before its Attachment row is inserted, in the row's
transaction; storage is not transactional. So:

* inside `removed_if_rolled_back()` (around `receive_many`'s transaction), the files
  stored by a block that raises are deleted at once: its rows were rolled back;
* what a process killed mid-batch (kill -9, OOM) leaves is removed by
  `remove_orphan_files`, run by beat (CELERY_BEAT_SCHEDULE "remove-orphan-files"):
  files under attachments/ that no row points to and that are older than a grace
  period (HELPLINE_ORPHAN_FILE_GRACE_MINUTES), so that the files of a batch still in
  flight are never touched.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage
from django.utils import timezone

from helpline.conversations.models import Attachment

log = logging.getLogger(__name__)

ROOT = "attachments"
CHECK_CHUNK = 500  # names per query

_written: ContextVar[list[str] | None] = ContextVar("helpline_written_files", default=None)


def note_written(name: str) -> None:
    """A file was stored for a row not yet committed (see removed_if_rolled_back)."""
    written = _written.get()
    if written is not None:
        written.append(name)


@contextmanager
def removed_if_rolled_back() -> Iterator[None]:
    """Delete the files stored inside the block when it raises: put it around a
    `transaction.atomic()` block, whose rows an exception rolls back."""
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        storage = _storage()
        for name in written:
            try:
                storage.delete(name)
            except OSError:  # the sweep will find it
                log.warning("could not delete %s after a rollback", name, exc_info=True)
        raise
    finally:
        _written.reset(token)


def _storage() -> Storage:
    return Attachment._meta.get_field("file").storage


def _files(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _files(storage, f"{folder}/{sub}")


def remove_orphan_files(grace: timedelta | None = None, now: datetime | None = None) -> int:
    """Delete attachment files that no row points to and older than `grace`; how many."""
    if grace is None:
        grace = timedelta(minutes=settings.HELPLINE_ORPHAN_FILE_GRACE_MINUTES)
    cutoff = (now or timezone.now()) - grace
    storage = _storage()
    removed = 0
    chunk: list[str] = []

    def sweep(names: list[str]) -> int:
        kept = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        gone = 0
        for name in names:
            if name in kept:
                continue
            try:
                if storage.get_modified_time(name) >= cutoff:
                    continue  # young: a batch in flight may be about to insert its row
                storage.delete(name)
            except FileNotFoundError:
                continue
            gone += 1
        return gone

    for name in _files(storage, ROOT):
        chunk.append(name)
        if len(chunk) >= CHECK_CHUNK:
            removed += sweep(chunk)
            chunk = []
    if chunk:
        removed += sweep(chunk)
    if removed:
        log.info("removed %d attachment files no row points to", removed)
    return removed
