from django.core.management.base import BaseCommand

from helpline.reports import actions


class Command(BaseCommand):
    help = (
        "Queue the managers' weekly digests that are due now (what the hourly beat task does); "
        "the worker sends them with the rest of the staff mail. Safe to run at any time: each "
        "person gets one digest a week."
    )

    def handle(self, *args, **options):
        done = actions.send_digests()
        self.stdout.write(f"Queued {done['queued']} digests; the worker sends them as staff mail.")
