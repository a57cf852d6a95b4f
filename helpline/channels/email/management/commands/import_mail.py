"""helpline import-mail PATH [--mailbox ADDRESS]: import an mbox, a Maildir or a folder of .eml.

See helpline/channels/email/mailimport.py for what is read, how a rerun resumes
and how messages are committed.
"""

import json
import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from helpline.channels.email.mailimport import MailImporter
from helpline.core.models import Mailbox


class Command(BaseCommand):
    help = (
        "Import existing mail (an mbox file, also .gz; a Maildir; a folder of .eml files, "
        "searched recursively) through the same path as live mail. Safe to rerun: "
        "nothing is stored twice, and an interrupted import resumes."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH")
        parser.add_argument(
            "--mailbox", metavar="ADDRESS", help="the support address the mail was sent to"
        )
        parser.add_argument("--json", action="store_true", help="print the counts as one JSON line")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--batch",
            type=int,
            default=50,
            metavar="N",
            help="messages committed together (default 50; 1 commits each message)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            choices=(1, 2),
            default=None,
            metavar="N",
            help="processes: 2 parses the next batch in a second process while this one "
            "stores (the default with two cores or more), 1 does everything in this process",
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="ignore the mbox checkpoints of earlier runs (already stored mail still "
            "counts as duplicate)",
        )

    def handle(self, *args, path, mailbox, json, quiet, batch, restart, jobs, **options):
        box = None
        if mailbox:
            box = Mailbox.objects.filter(address__iexact=mailbox).first()
            if box is None:
                raise CommandError(f"no mailbox with the address {mailbox}")
        importer = MailImporter(Path(path), mailbox=box, batch=batch, resume=not restart, jobs=jobs)
        try:
            sources = importer.sources()
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc

        show = not quiet and sys.stderr.isatty()
        total = sum(s.size for s in sources)
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc="import",
                file=sys.stderr,
                disable=not show,
            ) as bar:
                importer.progress = bar
                report = importer.run(sources)
        finally:
            signal.signal(signal.SIGTERM, previous)

        for failure in report.failures[:20]:
            self.stderr.write(f"failed: {failure}")
        if json:
            self.stdout.write(_dumps(report.as_json()))
        else:
            self.stdout.write(_summary(report))
        if report.interrupted:
            raise CommandError("interrupted; run the same command again to resume", returncode=130)
        if report.failed:
            raise CommandError(
                f"{report.failed} message(s) could not be stored; their raw bytes are kept "
                "and a rerun tries them again",
                returncode=1,
            )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _dumps(data: dict) -> str:
    return json.dumps(data)


def _summary(report) -> str:
    parts = [
        f"{report.stored} imported",
        f"{report.duplicate} skipped as duplicate",
        f"{report.quarantined} quarantined",
    ]
    if report.failed:
        parts.append(f"{report.failed} failed")
    line = f"{report.path}: " + ", ".join(parts)
    if report.resumed:
        line += f"; {report.resumed} done by an earlier run were not read again"
    if report.ignored_files:
        line += f"; {report.ignored_files} file(s) that are not mail ignored"
    return line + f" ({report.seconds:.1f} s)"
