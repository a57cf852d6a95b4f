"""One process at a time across machines: a PostgreSQL advisory lock, or a file lock on
the one machine SQLite runs on. Vendor-specific SQL for locks lives here only."""

import contextlib
import fcntl
import hashlib
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection


@contextlib.contextmanager
def only_one(name: str, namespace: int, key: int) -> Iterator[bool]:
    """Yield True when this process holds the lock `(namespace, key)`, False when another
    one does; never waits. `name` names the lock file on SQLite."""
    if connection.vendor == "postgresql":
        with _advisory_lock(namespace, key) as locked:
            yield locked
    else:
        with _file_lock(name, key) as locked:
            yield locked


@contextlib.contextmanager
def _advisory_lock(namespace: int, key: int) -> Iterator[bool]:
    args = [namespace, key % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", args)
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", args)
            except DatabaseError:
                # The session is broken, and a dead session holds no locks.
                connection.close()


@contextlib.contextmanager
def _file_lock(name: str, key: int) -> Iterator[bool]:
    database = str(connection.settings_dict["NAME"])
    digest = hashlib.sha256(database.encode()).hexdigest()[:16]
    folder = settings.DATA_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{name}-{digest}-{key}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
