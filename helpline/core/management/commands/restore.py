"""`helpline restore ARCHIVE [--force]`: put back what `helpline backup` wrote."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpline.core import backup


class Command(BaseCommand):
    help = (
        "Restore a `helpline backup` archive into the configured database and data folder. "
        "Refuses a damaged archive, one made by newer code or another database vendor, and a "
        "database or files folder that is not empty (unless --force). Stop the web server and "
        "the worker first."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace what the database and the files folder hold (it is lost)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive (checksums, migrations); change nothing",
        )

    def handle(self, *args, archive: Path, force: bool, check: bool, **options):
        started = time.monotonic()
        try:
            if check:
                manifest = backup.check(archive)
                files = sum(1 for m in manifest["members"] if m["name"].startswith("files/"))
                self.stdout.write(
                    f"{archive} is whole: a {manifest['database']['vendor']} database and "
                    f"{files} files, made {manifest['created_at']} by "
                    f"Helpline {manifest['helpline_version']}."
                )
                return
            restored = backup.restore(archive, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {restored.vendor} database and {restored.files} files from {archive} "
            f"in {time.monotonic() - started:.1f} s."
        )
        for note in restored.notes:
            self.stdout.write(self.style.WARNING(note))
