from django.core.management.base import BaseCommand

from helpline.reports import actions


class Command(BaseCommand):
    help = (
        "Send the managers' weekly digests that are due now (what the hourly beat task does). "
        "Safe to run at any time: each person gets one digest a week."
    )

    def handle(self, *args, **options):
        done = actions.send_digests()
        self.stdout.write(f"Queued {done['queued']} digests; sent {done['sent']} due.")
