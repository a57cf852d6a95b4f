"""`helpline backup` / `helpline restore`: a round trip restores every table and every file.

The source is the database the suite runs on (SQLite or PostgreSQL); the target a fresh
database (on PostgreSQL a second one, created here) and a fresh data folder.
"""

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import load_backend

from helpline.conversations.models import Attachment
from helpline.conversations.receive import IncomingAttachment, receive
from helpline.core import backup
from helpline.core.models import EventDelivery, Location
from helpline.demo.load import load_demo
from tests.conftest import REPO, email_from, subprocess_env

PDF = b"%PDF-1.4 a receipt\n" + bytes(range(256)) * 40


@dataclass
class Target:
    database: dict
    data_dir: Path
    url: str

    @property
    def files(self) -> Path:
        return self.data_dir / "files"

    def env(self) -> dict:
        return subprocess_env(
            DATABASE_URL=self.url, HELPLINE_DATA_DIR=self.data_dir, LOG_LEVEL="WARNING"
        )


@pytest.fixture
def source(settings, tmp_path, transactional_db) -> Path:
    """This test's own data folder, with the key in use and the attachments in it."""
    folder = tmp_path / "source"
    folder.mkdir()
    (folder / "secret_key").write_text(settings.SECRET_KEY)
    settings.DATA_DIR = folder
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder / "files"), "base_url": None},
        },
    }
    return folder


@pytest.fixture
def loaded(source, mailbox):
    """Customers, conversations, messages, events, surveys… and a message with attachments."""
    load_demo(customers=8, conversations=16, seed=5)
    receive(
        email_from(
            "backup@example.com",
            subject="Receipt attached",
            mailbox=mailbox,
            attachments=[
                IncomingAttachment("receipt.pdf", "application/pdf", PDF),
                IncomingAttachment("note.txt", "text/plain", "Grüße\n".encode()),
            ],
        )
    )
    assert Attachment.objects.count() >= 2
    assert EventDelivery.objects.exists()
    return source


@pytest.fixture
def target(tmp_path, transactional_db):
    source = connection.settings_dict
    data_dir = tmp_path / "restored-data"
    if connection.vendor == "sqlite":
        name = str(tmp_path / "restored.sqlite3")
        yield Target({**source, "NAME": name}, data_dir, f"sqlite:///{name}")
        return
    name = f"{source['NAME']}_restored"
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    user = source.get("USER") or "postgres"
    where = f"{source.get('HOST') or '127.0.0.1'}:{source.get('PORT') or 5432}"
    try:
        yield Target({**source, "NAME": name}, data_dir, f"postgres://{user}@{where}/{name}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def contents(database: dict) -> dict[str, list[str]]:
    """Every table's rows (sorted), and on PostgreSQL every sequence's position."""
    wrapper = load_backend(database["ENGINE"]).DatabaseWrapper({**database}, alias="compared")
    try:
        with wrapper.cursor() as cursor:
            if wrapper.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            else:
                cursor.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            tables = sorted(name for (name,) in cursor.fetchall())
            found = {}
            for table in tables:
                cursor.execute(f"SELECT * FROM {wrapper.ops.quote_name(table)}")
                found[table] = sorted(repr(_plain(row)) for row in cursor.fetchall())
            if wrapper.vendor == "postgresql":
                cursor.execute(
                    "SELECT sequencename, last_value FROM pg_sequences "
                    "WHERE schemaname = current_schema()"
                )
                found["(sequences)"] = sorted(repr(row) for row in cursor.fetchall())
            return found
    finally:
        wrapper.close()


def _plain(row: tuple) -> tuple:
    return tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)


def checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def assert_same(source: Path, target: Target) -> None:
    before, after = contents(connection.settings_dict), contents(target.database)
    assert sorted(after) == sorted(before)
    for table in before:
        assert after[table] == before[table], f"{table} differs after the round trip"
    assert checksums(target.files) == checksums(source / "files")
    key = (target.data_dir / "secret_key").read_text()
    assert key == (source / "secret_key").read_text()


def helpline(*args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpline.cli", *map(str, args)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


# --------------------------------------------------------------------------- round trips


def test_a_round_trip_restores_every_table_and_file(loaded, target, tmp_path):
    archive = tmp_path / "helpline.tar.gz"

    made = backup.backup(archive)
    restored = backup.restore(
        archive, database=target.database, files=target.files, data_dir=target.data_dir
    )

    assert made.vendor == restored.vendor == connection.vendor
    assert restored.files == len(checksums(loaded / "files")) >= 2 and restored.secret_key
    assert restored.notes == []
    busy = [table for table, rows in contents(target.database).items() if rows]
    assert {"conversations_message", "conversations_attachment", "core_eventdelivery"} <= set(busy)
    assert len(busy) > 30  # the demo fills most of the schema
    assert_same(loaded, target)


def test_the_commands_round_trip_and_refuse_a_database_that_holds_data(loaded, target, tmp_path):
    archive = tmp_path / "nightly" / "helpline.tar.gz"

    made = helpline("backup", "--output", archive, env=subprocess_env(LOG_LEVEL="WARNING"))
    assert made.returncode == 0, made.stderr
    assert f"Wrote {archive}" in made.stdout
    assert archive.stat().st_mode & 0o077 == 0  # it holds the secret key
    checked = helpline("restore", "--check", archive, env=target.env())
    assert checked.returncode == 0, checked.stderr
    assert "is whole" in checked.stdout

    restored = helpline("restore", archive, env=target.env())
    assert restored.returncode == 0, restored.stderr
    assert "Restored the" in restored.stdout
    assert_same(loaded, target)

    again = helpline("restore", archive, env=target.env())
    assert again.returncode != 0
    assert again.stderr.strip().count("\n") == 0
    assert "is not empty" in again.stderr and "--force" in again.stderr

    # --force replaces what the target holds, including rows and files added since.
    with open(target.files / "attachments" / "stray.txt", "w") as stray:
        stray.write("added after the restore")
    forced = helpline("restore", "--force", archive, env=target.env())
    assert forced.returncode == 0, forced.stderr
    assert_same(loaded, target)


def test_the_backup_is_taken_while_another_transaction_writes(loaded, target, tmp_path):
    """Online: a writer holding its transaction open neither blocks the backup nor is in it."""
    inserted, backed_up = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def writer():
        try:
            with transaction.atomic():
                Location.objects.create(name="Opened mid-backup", timezone="UTC", country="GB")
                inserted.set()
                backed_up.wait(120)
                raise _RolledBack
        except _RolledBack:
            pass
        except BaseException as exc:  # noqa: BLE001  reported by the test below
            failure.append(exc)
            inserted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inserted.wait(60) and not failure
        backup.backup(tmp_path / "online.tar.gz")
    finally:
        backed_up.set()
        thread.join(60)
    assert not failure

    backup.restore(
        tmp_path / "online.tar.gz",
        database=target.database,
        files=target.files,
        data_dir=target.data_dir,
    )
    assert_same(loaded, target)


class _RolledBack(Exception):
    pass


# --------------------------------------------------------------------------- refusals


@pytest.fixture
def archive(source, tmp_path, mailbox) -> Path:
    receive(
        email_from(
            mailbox=mailbox,
            attachments=[IncomingAttachment("receipt.pdf", "application/pdf", PDF)],
        )
    )
    return backup.backup(tmp_path / "helpline.tar.gz").path


def repacked(archive: Path, change) -> Path:
    """The archive's members, each passed through change(name, bytes) -> bytes."""
    out = archive.with_name("repacked.tar.gz")
    with tarfile.open(archive, "r:gz") as old, tarfile.open(out, "w:gz") as new:
        for info in old.getmembers():
            data = change(info.name, old.extractfile(info).read())
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return out


def with_manifest(archive: Path, edit) -> Path:
    def change(name, data):
        if name != backup.MANIFEST:
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return repacked(archive, change)


def restore_into(target: Target, archive: Path, *, force: bool = False):
    return backup.restore(
        archive,
        database=target.database,
        files=target.files,
        data_dir=target.data_dir,
        force=force,
    )


def assert_untouched(target: Target) -> None:
    assert contents(target.database) in ({}, {"(sequences)": []})
    assert not target.files.exists()


def test_a_truncated_archive_is_refused(archive, target):
    broken = archive.with_name("truncated.tar.gz")
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    with pytest.raises(backup.BackupError, match="truncated.tar.gz is damaged"):
        restore_into(target, broken)
    assert_untouched(target)


@pytest.mark.parametrize("where", [0.3, 0.6, 0.999])
def test_an_archive_with_a_flipped_bit_is_refused(archive, target, where):
    data = bytearray(archive.read_bytes())
    data[int(len(data) * where) - 12] ^= 0x10  # before gzip's 8-byte trailer
    flipped = archive.with_name("flipped.tar.gz")
    flipped.write_bytes(bytes(data))

    with pytest.raises(backup.BackupError, match="damaged"):
        restore_into(target, flipped)
    assert_untouched(target)


def test_a_member_that_does_not_match_its_checksum_is_refused(archive, target):
    def change(name, data):
        return data.replace(b"a receipt", b"A RECEIPT") if name.endswith(".pdf") else data

    tampered = repacked(archive, change)

    with pytest.raises(backup.BackupError) as refused:
        restore_into(target, tampered)
    assert "damaged" in str(refused.value) and "receipt.pdf" in str(refused.value)
    assert "checksum" in str(refused.value)
    assert_untouched(target)


def test_the_command_refuses_a_damaged_archive_in_one_line(archive, target):
    def change(name, data):
        return data + b"-" if name.startswith("database.") else data

    result = helpline("restore", repacked(archive, change), env=target.env())

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged" in lines[0] and "database." in lines[0]
    assert_untouched(target)


def test_an_archive_from_newer_code_is_refused(archive, target):
    def newer(manifest):
        manifest["migrations"]["conversations"].append("9999_from_the_future")

    with pytest.raises(backup.BackupError, match="conversations.9999_from_the_future"):
        restore_into(target, with_manifest(archive, newer), force=True)
    assert_untouched(target)


def test_an_archive_of_another_database_vendor_is_refused(archive, target):
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[connection.vendor]

    def elsewhere(manifest):
        manifest["database"]["vendor"] = other

    with pytest.raises(backup.BackupError, match=f"holds a {other} database"):
        restore_into(target, with_manifest(archive, elsewhere), force=True)
    assert_untouched(target)


def test_a_files_folder_that_holds_files_is_refused(archive, target):
    (target.files / "attachments").mkdir(parents=True)
    (target.files / "attachments" / "kept.txt").write_text("someone's file")

    with pytest.raises(backup.BackupError, match="files folder .* is not empty"):
        restore_into(target, archive)
    assert (target.files / "attachments" / "kept.txt").read_text() == "someone's file"


def test_an_archive_a_step_behind_restores_with_a_note_to_migrate(archive, target):
    def behind(manifest):
        manifest["migrations"]["conversations"].pop()

    restored = restore_into(target, with_manifest(archive, behind))

    assert any("helpline migrate" in note for note in restored.notes)


def test_without_the_postgresql_client_programs_the_error_says_what_to_install(
    monkeypatch, tmp_path, db
):
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without pg_dump

    with pytest.raises(backup.BackupError, match="pg_dump is not installed.*postgresql-client"):
        backup._run("pg_dump", connection.settings_dict, ["--version"], "dump the database")
