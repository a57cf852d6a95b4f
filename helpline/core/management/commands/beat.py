"""`helpline beat`: the periodic task scheduler (replaces this process). Run exactly one."""

from django.core.management.base import BaseCommand

from helpline.core.processes import beat_argv, exec_argv


class Command(BaseCommand):
    help = "Run celery beat, which queues the periodic tasks (mail polling, outbox sweep)."

    def add_arguments(self, parser):
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args, loglevel, **options):
        exec_argv(beat_argv(loglevel=loglevel))
