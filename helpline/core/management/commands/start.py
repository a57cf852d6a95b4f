"""`helpline start`: everything on one machine, from an empty data folder to a running desk.

Migrates the database, creates the first admin (printed once), loads the demo
with --demo (once), collects static files, then runs the web server and a
Celery worker with embedded beat until Ctrl-C or SIGTERM.
"""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from helpline.core import actions
from helpline.core.processes import (
    PortInUse,
    Supervisor,
    ensure_port_free,
    listen_url,
    serve_argv,
    worker_argv,
)


class Command(BaseCommand):
    help = "Set up the data folder and run the web server and a background worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="web server threads")
        parser.add_argument("--demo", action="store_true", help="load the demo dataset once")
        # Medium (1,000 conversations) loads in about half a minute: the demo is played
        # through the same actions as real work, not bulk-inserted. `helpline demo` is full.
        parser.add_argument("--demo-size", choices=["small", "medium", "full"], default="medium")
        parser.add_argument("--no-worker", action="store_true", help="run the web server only")

    def handle(self, *args, host, port, threads, demo, demo_size, no_worker, **options):
        try:
            ensure_port_free(host, port)
        except PortInUse as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        url = listen_url(host, port) + "/"
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        created = actions.create_first_admin(
            os.environ.get("HELPLINE_ADMIN_EMAIL", ""),
            os.environ.get("HELPLINE_ADMIN_PASSWORD", ""),
        )
        if created is not None:
            self._show_admin(*created, url)
        if demo:
            call_command("demo", size=demo_size, stdout=self.stdout)
        self.stdout.write("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)

        # Without Redis the sockets live in the web server's memory: the worker's pushes (mail
        # that arrived) go to it over loopback (helpline.realtime.relay).
        if not settings.HELPLINE_REALTIME_RELAY_URL:
            settings.HELPLINE_REALTIME_RELAY_URL = listen_url(host, port)
        supervisor = Supervisor(out=self.stdout)
        if not no_worker:
            supervisor.add("worker", worker_argv(beat=True))
        supervisor.add("web", serve_argv(host, port, threads))
        self.stdout.write(f"Helpline's desk is starting at {url}. Ctrl-C stops it.")
        self.stdout.flush()
        code = supervisor.run()
        self.stdout.write("Helpline stopped." if code == 0 else "Helpline stopped after a failure.")
        if code:
            raise SystemExit(code)

    def _show_admin(self, username: str, password: str | None, url: str) -> None:
        rows = [
            "Helpline's first admin" + ("" if password is None else " (shown only this once)"),
            "",
            f"  Sign in at {url}",
            f"  Username   {username}",
            f"  Password   {password or '(the one in HELPLINE_ADMIN_PASSWORD)'}",
        ]
        width = max(len(row) for row in rows) + 2
        lines = ["+" + "-" * width + "+"]
        lines += [f"| {row:<{width - 2}} |" for row in rows]
        lines.append(lines[0])
        self.stdout.write(self.style.SUCCESS("\n".join(["", *lines, ""])))
