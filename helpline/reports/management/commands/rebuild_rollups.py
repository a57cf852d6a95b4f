import time

from django.core.management.base import BaseCommand

from helpline.reports import actions


class Command(BaseCommand):
    help = (
        "Recompute every conversation's report facts from the source tables. "
        "Safe to run at any time; the desk keeps them up to date by itself."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=2000, help="Conversations per batch")

    def handle(self, *args, chunk: int, **options):
        started = time.monotonic()
        done = actions.rebuild_rollups(chunk, progress=self._progress)
        took = time.monotonic() - started
        self.stdout.write(f"Recomputed the facts of {done} conversations in {took:.1f} s.")

    def _progress(self, done: int) -> None:
        if done % 100_000 < 2000:
            self.stderr.write(f"  {done} conversations…")
