"""helpline parse-email [--json] [--html] FILE...: show what the parser makes of a message."""

import json

from django.core.management.base import BaseCommand, CommandError

from helpline.channels.email.parse import parse_email
from helpline.channels.email.parsed import UnparseableEmail


class Command(BaseCommand):
    help = "Parse .eml files and print the result (one JSON object per line with --json)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--html", action="store_true", help="include the sanitised HTML")
        parser.add_argument("--max-bytes", type=int, default=None, help="refuse larger messages")

    def handle(self, *args, files, json: bool, html: bool, max_bytes, **options):
        failed = 0
        for path in files:
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError as exc:
                failed += 1
                self._print_error(path, f"cannot read: {exc.strerror}", json)
                continue
            try:
                parsed = parse_email(raw, max_bytes=max_bytes)
            except UnparseableEmail as exc:
                failed += 1
                self._print_error(path, str(exc), json)
                continue
            except Exception as exc:  # noqa: BLE001 - a parser bug: report it, go on
                failed += 1
                self._print_error(path, f"parser error: {type(exc).__name__}: {exc}", json)
                continue
            if json:
                data = {"file": path, **parsed.as_json()}
                if not html:
                    del data["html"]
                self.stdout.write(_dumps(data))
            else:
                self.stdout.write(_summary(path, parsed))
        if failed:
            raise CommandError(
                f"{failed} of {len(files)} file(s) could not be parsed", returncode=1
            )

    def _print_error(self, path: str, reason: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(_dumps({"file": path, "error": reason}))
        else:
            self.stdout.write(f"{path}: ERROR {reason}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def _summary(path: str, parsed) -> str:
    sender = parsed.from_.email or parsed.from_.name if parsed.from_ else "(no sender)"
    lines = [
        f"{path}",
        f"  from:    {sender}",
        f"  subject: {parsed.subject}",
        f"  kind:    {parsed.kind}"
        + (f" ({', '.join(parsed.bounced_recipients)})" if parsed.bounced_recipients else ""),
        f"  text:    {len(parsed.text)} chars, new text {len(parsed.new_text)} chars"
        + (", with HTML" if parsed.html else ""),
    ]
    if parsed.attachments:
        names = ", ".join(f"{a.filename} ({a.size} B)" for a in parsed.attachments)
        lines.append(f"  files:   {names}")
    for problem in parsed.problems:
        lines.append(f"  problem: {problem}")
    return "\n".join(lines)
