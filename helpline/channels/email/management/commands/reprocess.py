"""helpline reprocess [--all | SHA256-PREFIX ...]: try quarantined mail again.

After a parser fix or a raised HELPLINE_MAX_EMAIL_BYTES, run quarantined (or
stuck unprocessed) raw emails through `ingest.reprocess` again. Mail already on
a conversation is left alone. Exits 1 when some are still quarantined.
"""

from django.core.management.base import BaseCommand, CommandError

from helpline.channels.email.ingest import awaiting_reprocess, reprocess


class Command(BaseCommand):
    help = "Re-run quarantined inbound mail through ingest (see `helpline quarantine`)."

    def add_arguments(self, parser):
        parser.add_argument("prefixes", nargs="*", metavar="SHA256-PREFIX")
        parser.add_argument(
            "--all", dest="every", action="store_true", help="every quarantined message"
        )

    def handle(self, *args, prefixes, every, **options):
        if every == bool(prefixes):
            raise CommandError("give --all or one or more sha256 prefixes (not both)")
        todo = list(awaiting_reprocess()) if every else [self._one(p.lower()) for p in prefixes]
        still = 0
        for raw in todo:
            result = reprocess(raw)
            if result.status == "quarantined":
                still += 1
                self.stdout.write(f"{raw.sha256[:12]} quarantined again: {result.reason}")
            else:
                conversation = result.message.conversation_id if result.message else None
                self.stdout.write(
                    f"{raw.sha256[:12]} {result.status} on conversation {conversation}"
                )
        if not todo:
            self.stdout.write("no quarantined mail")
        if still:
            raise CommandError(f"{still} of {len(todo)} still quarantined", returncode=1)

    def _one(self, prefix: str):
        matches = list(awaiting_reprocess().filter(sha256__startswith=prefix)[:2])
        if not matches:
            raise CommandError(f"no quarantined mail with a sha256 starting {prefix}")
        if len(matches) > 1:
            raise CommandError(f"{prefix} matches several messages; give more of the sha256")
        return matches[0]
