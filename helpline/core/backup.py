"""Backup and restore: the database, the stored files and the secret key as one archive.

An archive is a .tar.gz holding

* ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3``
  (SQLite, a copy made with sqlite3's backup API), both consistent while the desk writes;
* ``files/…``: everything under the file storage's folder (attachments);
* ``secret_key``: the data folder's generated key, when that is the key in use (stored
  mailbox passwords are encrypted with it and signed links are checked against it);
* ``manifest.json`` (the last member): Helpline's version, when, the database vendor, the
  applied migrations per app, the settings that shape the data, and every other member with
  its size and sha256.

The data folder's other contents are left out on purpose: collected static files and the
beat schedule are rebuilt, lock files are per process, the embedded broker's queue holds
only wake-ups for work that the database's own rows (event deliveries, outbox) say is due.

`restore` checks the whole archive before it touches anything, and refuses a damaged archive,
one made by newer code (a migration this code does not know), one from another database vendor,
and a target that already holds data unless `force`.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
SECRET_KEY_FILE = "secret_key"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1 << 20
# Settings that change what the data means or how it is shown; recorded, and compared on
# restore. Secrets (tokens, passwords) are never written to the archive.
RECORDED_SETTINGS = (
    "TIME_ZONE",
    "SITE_URL",
    "DEFAULT_FROM_EMAIL",
    "HELPLINE_MAIL_DOMAIN",
    "INSTALLED_APPS",
)


class BackupError(Exception):
    """Why a backup or a restore cannot be done, in one line for the operator."""


@dataclass
class Member:
    name: str
    size: int
    sha256: str


@dataclass
class Made:
    path: Path
    vendor: str
    members: list[Member]

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class Restored:
    vendor: str
    files: int
    secret_key: bool
    notes: list[str] = field(default_factory=list)


def helpline_version() -> str:
    try:
        return version("helpline")
    except PackageNotFoundError:
        return "unknown"


def files_folder() -> Path | None:
    """Where stored files (attachments) live, or None when the storage is not a folder (S3)."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def vendor_of(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"backup supports SQLite and PostgreSQL, not {engine}")


# --------------------------------------------------------------------------- backup


def backup(
    output: Path,
    *,
    database: dict | None = None,
    files: Path | None = None,
    data_dir: Path | None = None,
) -> Made:
    """Write one archive to `output`: the database (default: Django's), the stored files
    and the data folder's secret key. Written beside `output` and renamed at the end, so a
    half-written archive never carries the final name."""
    database = database or connection.settings_dict
    files = files if files is not None else files_folder()
    data_dir = data_dir or Path(settings.DATA_DIR)
    vendor = vendor_of(database)
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    migrations = applied_migrations(database)
    partial = output.with_name(output.name + ".partial")
    try:
        # Beside the archive, where there is room for it, rather than in /tmp.
        with tempfile.TemporaryDirectory(prefix=".helpline-backup-", dir=output.parent) as scratch:
            members = _write(partial, Path(scratch), vendor, database, files, data_dir, migrations)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)
    return Made(output, vendor, members)


def _write(
    partial: Path,
    scratch: Path,
    vendor: str,
    database: dict,
    files: Path | None,
    data_dir: Path,
    migrations: dict[str, list[str]],
) -> list[Member]:
    members: list[Member] = []
    dump = scratch / DUMPS[vendor]
    # The database first: a file is stored before its row commits and outlives it, so
    # every row in the dump finds its file among those copied after.
    if vendor == "postgresql":
        _pg_dump(database, dump)
    else:
        _sqlite_copy(Path(database["NAME"]), dump)
    # Owner-only from the first byte: it holds the secret key and every customer's data.
    with (
        open(partial, "wb", opener=lambda path, flags: os.open(path, flags, 0o600)) as raw,
        # Named without ".partial": gzip records the name in its header.
        tarfile.open(partial.with_suffix(""), "w:gz", raw, compresslevel=6) as tar,
    ):
        members.append(_add(tar, dump, DUMPS[vendor]))
        if files is not None and files.is_dir():
            for path in sorted(_walk(files)):
                if path == partial or scratch in path.parents:  # written into the files folder
                    continue
                relative = path.relative_to(files).as_posix()
                try:
                    members.append(_add(tar, path, f"{FILES}/{relative}"))
                except FileNotFoundError:
                    # Deleted since it was listed: a file without a row (the orphan
                    # sweep's), since a row's file outlives the row in the snapshot.
                    continue
        key_file = data_dir / SECRET_KEY_FILE
        if key_file.is_file() and key_file.read_text().strip() == settings.SECRET_KEY:
            members.append(_add(tar, key_file, SECRET_KEY_FILE))
        manifest = {
            "format": FORMAT,
            "helpline_version": helpline_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"vendor": vendor, "member": DUMPS[vendor]},
            "migrations": migrations,
            "files_in_archive": files is not None,
            "settings": recorded_settings(),
            "members": [member.__dict__ for member in members],
        }
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(body)
        info.mtime = int(datetime.now(UTC).timestamp())
        info.mode = 0o600
        tar.addfile(info, io.BytesIO(body))
    return members


def applied_migrations(database: dict) -> dict[str, list[str]]:
    with _connected(database) as wrapper:
        applied: dict[str, list[str]] = {}
        if MigrationRecorder.Migration._meta.db_table not in _table_names(wrapper):
            return applied
        for app, name in sorted(MigrationRecorder(wrapper).applied_migrations()):
            applied.setdefault(app, []).append(name)
        return applied


def recorded_settings() -> dict[str, Any]:
    return {name: getattr(settings, name) for name in RECORDED_SETTINGS}


def _walk(folder: Path) -> Iterator[Path]:
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it."""

    def __init__(self, handle: IO[bytes]):
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str) -> Member:
    with open(path, "rb") as handle:
        info = tar.gettarinfo(fileobj=handle, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return Member(name, info.size, reader.digest.hexdigest())


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy while others write: the backup API reads one snapshot (WAL mode
    lets writers go on meanwhile)."""
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    with (
        _closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src,
        _closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _pg_dump(database: dict, target: Path) -> None:
    _run(
        "pg_dump",
        database,
        ["--format=custom", "--compress=6", f"--file={target}"],
        "dump the database",
    )


# --------------------------------------------------------------------------- restore


def restore(
    archive: Path,
    *,
    database: dict | None = None,
    files: Path | None = None,
    data_dir: Path | None = None,
    force: bool = False,
) -> Restored:
    """Restore an archive into the database (default: Django's), the files folder and the
    data folder's secret key. Nothing is touched unless the archive is whole, made by code
    no newer than this, for this database vendor, and the target is empty (or `force`)."""
    database = database or connection.settings_dict
    files = files if files is not None else files_folder()
    data_dir = data_dir or Path(settings.DATA_DIR)
    vendor = vendor_of(database)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Unpacked in the data folder, so the files move into place by renaming.
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as scratch:
        unpacked = Path(scratch)
        manifest = unpack(Path(archive), unpacked)
        check_migrations(manifest["migrations"])
        archived_vendor = manifest["database"]["vendor"]
        if archived_vendor != vendor:
            raise BackupError(
                f"the archive holds a {archived_vendor} database and this Helpline uses "
                f"{vendor}: restore it into {archived_vendor}, then move the data with "
                "`helpline dumpdata` / `helpline loaddata`"
            )
        has_files = any(name.startswith(f"{FILES}/") for name in _member_names(manifest))
        if has_files and files is None:
            raise BackupError("the archive holds files but the file storage is not a folder")
        if not force:
            refuse_if_not_empty(database, files)
        dump = unpacked / manifest["database"]["member"]
        if vendor == "postgresql":
            _pg_restore(database, dump)
        else:
            _sqlite_restore(dump, Path(database["NAME"]))
        count = 0
        if files is not None:
            count = _replace_folder(unpacked / FILES, files)
        key = unpacked / SECRET_KEY_FILE
        has_key = key.is_file()
        if has_key:
            key.chmod(0o600)
            key.replace(data_dir / SECRET_KEY_FILE)
    return Restored(vendor, count, has_key, _notes(manifest))


def check(archive: Path) -> dict:
    """The archive's manifest, once every member matches it and its migrations are known."""
    with tempfile.TemporaryDirectory(prefix="helpline-check-") as scratch:
        manifest = unpack(Path(archive), Path(scratch))
    check_migrations(manifest["migrations"])
    return manifest


def unpack(archive: Path, into: Path) -> dict:
    """Unpack `archive` into `into` and check every member against the manifest."""
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    try:
        with gzip.open(archive, "rb") as stream:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                tar.extractall(into, filter="data")
            # tarfile stops at its end marker; the rest holds gzip's own CRC, checked here.
            while stream.read(CHUNK):
                pass
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError, ValueError) as exc:
        raise BackupError(f"the archive {archive} is damaged: {_reason(exc)}") from exc
    except OSError as exc:  # a full disk, a folder we may not write: not the archive's fault
        raise BackupError(f"cannot unpack {archive} into {into}: {_reason(exc)}") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
        listed = {m["name"]: m for m in manifest["members"]}
        manifest["database"]["vendor"], manifest["migrations"]  # noqa: B018
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(
            f"the archive {archive} has no readable manifest: {_reason(exc)}"
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"the archive's format {manifest.get('format')!r} is not {FORMAT}")
    present = {p.relative_to(into).as_posix() for p in _walk(into)} - {MANIFEST}
    for name in sorted(present - set(listed)):
        raise BackupError(f"the archive is damaged: {name} is not in its manifest")
    for name, member in sorted(listed.items()):
        path = into / name
        if name not in present:
            raise BackupError(f"the archive is damaged: {name} is missing")
        if _sha256(path) != member["sha256"] or path.stat().st_size != member["size"]:
            raise BackupError(f"the archive is damaged: {name} does not match its checksum")
    if manifest["database"].get("member") not in listed:
        raise BackupError("the archive is damaged: it holds no database")
    return manifest


def check_migrations(archived: dict[str, list[str]]) -> None:
    """Refuse an archive whose database has a migration this code does not have."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        (app, name) for app, names in archived.items() for name in names if (app, name) not in known
    )
    if unknown:
        app, name = unknown[0]
        more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
        raise BackupError(
            f"the archive was made by newer code: migration {app}.{name}{more} is unknown "
            f"here (this is Helpline {helpline_version()}); upgrade Helpline, then restore"
        )


def refuse_if_not_empty(database: dict, files: Path | None) -> None:
    with _connected(database) as wrapper:
        tables = _table_names(wrapper)
    if tables:
        raise BackupError(
            f"the database {database['NAME']} is not empty ({len(tables)} tables); "
            "restore into an empty one, or pass --force to replace what it holds"
        )
    if files is not None and any(True for _ in _walk(files)):
        raise BackupError(
            f"the files folder {files} is not empty; pass --force to replace what it holds"
        )


def pending_migrations(archived: dict[str, list[str]]) -> int:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in archived.items() for name in names}
    return len(known - applied)


def _notes(manifest: dict) -> list[str]:
    notes = []
    if SECRET_KEY_FILE not in _member_names(manifest):
        notes.append(
            "The archive holds no secret key (it was set in the environment): set the same "
            "SECRET_KEY here, or stored mailbox passwords cannot be read."
        )
    elif os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        notes.append(
            "SECRET_KEY is set in the environment and wins over the restored data folder's "
            "key: unset it, or set it to that key, or stored mailbox passwords cannot be read."
        )
    pending = pending_migrations(manifest["migrations"])
    if pending:
        notes.append(
            f"The archive is {pending} migrations behind this code: run `helpline migrate`."
        )
    here = recorded_settings()
    for name, value in sorted(manifest.get("settings", {}).items()):
        if name in here and _jsonable(here[name]) != value:
            notes.append(f"The archive was made with {name}={value!r}; here it is {here[name]!r}.")
    return notes


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _member_names(manifest: dict) -> list[str]:
    return [m["name"] for m in manifest["members"]]


def _sqlite_restore(dump: Path, target: Path) -> None:
    connection.close()  # Django's own connection to it, if any
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        _closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as src,
        _closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        # Page by page over whatever the target held: the result is the archived database.
        src.backup(dst)


def _pg_restore(database: dict, dump: Path) -> None:
    with _connected(database) as wrapper, wrapper.cursor() as cursor:
        # What --force replaces: tables the archive does not have would otherwise stay.
        for table in _table_names(wrapper):
            cursor.execute(f"DROP TABLE IF EXISTS {wrapper.ops.quote_name(table)} CASCADE")
    _run(
        "pg_restore",
        database,
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            # pg_restore reads no PGDATABASE: without a name it writes SQL to stdout.
            f"--dbname={database['NAME'] or 'service=' + database['OPTIONS'].get('service', '')}",
            str(dump),
        ],
        "restore the database",
    )
    with _connected(database) as wrapper, wrapper.cursor() as cursor:
        # A dump carries no planner statistics; without them the desk's first queries on a
        # restored database plan as if every table were empty.
        cursor.execute("ANALYZE")


def _replace_folder(source: Path, target: Path) -> int:
    """Put `source`'s files at `target`, dropping what `target` held; how many files."""
    source.mkdir(exist_ok=True)
    count = sum(1 for _ in _walk(source))
    if target.exists():
        old = target.with_name(f".{target.name}-replaced")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        _move(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        _move(source, target)
    return count


def _move(source: Path, target: Path) -> None:
    try:
        source.rename(target)
    except OSError:  # another file system
        shutil.copytree(source, target)


# --------------------------------------------------------------------------- helpers


def _run(program: str, database: dict, arguments: list[str], doing: str) -> None:
    """Run a PostgreSQL client program against `database`; its first error line on failure."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} is not installed: it is needed to {doing} on PostgreSQL "
            "(Debian: apt install postgresql-client, of the server's major version or newer)"
        )
    from django.db.backends.postgresql.client import DatabaseClient

    # Password, service, TLS files: the environment psql gets from `helpline dbshell`.
    _, env = DatabaseClient.settings_to_cmd_args_env(database, [])
    where = {
        "PGDATABASE": database.get("NAME"),
        "PGHOST": database.get("HOST"),
        "PGPORT": database.get("PORT"),
        "PGUSER": database.get("USER"),
    }
    result = subprocess.run(
        [executable, *arguments],
        env={
            **os.environ,
            **{key: str(value) for key, value in where.items() if value},
            **(env or {}),
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        error = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[0]
        raise BackupError(f"{program} could not {doing}: {error}")


@contextmanager
def _connected(database: dict) -> Iterator[BaseDatabaseWrapper]:
    """A Django connection to `database`, which need not be one of settings.DATABASES."""
    own = database is connection.settings_dict
    wrapper = (
        connection
        if own
        else load_backend(database["ENGINE"]).DatabaseWrapper({**database}, alias="backup")
    )
    try:
        wrapper.ensure_connection()
    except DatabaseError as exc:
        raise BackupError(
            f"cannot connect to the database {database['NAME']}: {_reason(exc)}"
        ) from exc
    try:
        yield wrapper
    finally:
        if not own:
            wrapper.close()


def _table_names(wrapper: BaseDatabaseWrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        return wrapper.introspection.table_names(cursor)


@contextmanager
def _closing(handle: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield handle
    finally:
        handle.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
