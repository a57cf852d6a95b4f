"""`helpline worker`: a Celery worker for this project (replaces this process)."""

from django.core.management.base import BaseCommand

from helpline.core.processes import exec_argv, worker_argv


class Command(BaseCommand):
    help = "Run a Celery worker; --beat embeds the periodic scheduler (run only one of those)."

    def add_arguments(self, parser):
        parser.add_argument("--beat", action="store_true", help="also run celery beat inside")
        parser.add_argument("--concurrency", type=int, default=None)
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args, beat, concurrency, loglevel, **options):
        exec_argv(worker_argv(beat=beat, concurrency=concurrency, loglevel=loglevel))
