"""helpline quarantine: list the raw emails that are not on a conversation.

Quarantined mail could not be parsed or stored (the reason is shown). Mail
still "received" some minutes after it arrived was kept raw, but processing it
crashed or was interrupted. `helpline reprocess` tries either again.
"""

from datetime import UTC

from django.core.management.base import BaseCommand

from helpline.channels.email.ingest import awaiting_reprocess, why_waiting


class Command(BaseCommand):
    help = "List quarantined (and unprocessed) inbound mail: sha256 prefix, size, date, reason."

    def handle(self, *args, **options):
        rows = list(awaiting_reprocess())
        if not rows:
            self.stdout.write("no quarantined mail")
            return
        self.stdout.write(f"{'SHA256':12}  {'BYTES':>9}  {'RECEIVED (UTC)':16}  SOURCE  REASON")
        for raw in rows:
            received = raw.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            reason = why_waiting(raw)
            self.stdout.write(
                f"{raw.sha256[:12]}  {raw.size:>9}  {received:16}  {raw.source:6}  {reason}"
            )
        self.stdout.write(f"{len(rows)} message(s); `helpline reprocess --all` tries them again")
