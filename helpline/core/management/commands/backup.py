"""`helpline backup [--output PATH]`: the database, stored files and secret key as one archive."""

import time
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpline.core import backup


class Command(BaseCommand):
    help = (
        "Back up the database, the attachments and the secret key to one .tar.gz archive while "
        "the desk runs. `helpline restore` puts it back; docs/operations.md says how to "
        "schedule it."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="the archive to write (a folder: a file named by the time in it); "
            "default: helpline-backup-YYYYMMDD-HHMMSS.tar.gz here",
        )

    def handle(self, *args, output: str | None, **options):
        name = f"helpline-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz"
        path = Path(output or name)
        if output and (output.endswith("/") or path.is_dir()):
            path = path / name
        started = time.monotonic()
        try:
            made = backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = sum(1 for member in made.members if member.name.startswith("files/"))
        self.stdout.write(
            f"Wrote {made.path} ({_size(made.size)}: the {made.vendor} database, "
            f"{files} files) in {time.monotonic() - started:.1f} s."
        )
        if backup.files_folder() is None:
            self.stdout.write(
                "The file storage is not a folder: back its files up with that service."
            )


def _size(octets: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if octets < 1000 or unit == "GB":
            return f"{octets:.0f} {unit}" if unit == "bytes" else f"{octets:.1f} {unit}"
        octets /= 1000  # type: ignore[assignment]
    raise AssertionError
