"""`helpline serve`: the web server alone (waitress, a production WSGI server in pure Python)."""

import signal

from django.core.management.base import BaseCommand

from helpline.core.processes import listen_url

CONNECTION_LIMIT = 1000


class Command(BaseCommand):
    help = "Run the web server (waitress). Static files are served by WhiteNoise."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        url = listen_url(host, port)
        server = web_server(host, port, threads)
        # waitress closes its sockets on SystemExit; SIGTERM should do what Ctrl-C does.
        signal.signal(signal.SIGTERM, _exit)
        self.stdout.write(f"Serving Helpline on {url}/")
        self.stdout.flush()
        server.run()


def web_server(host: str, port: int, threads: int = 8):
    """The waitress server `helpline serve` runs (port 0: any free port, see `effective_port`)."""
    from waitress.server import create_server

    from helpline.wsgi import application

    # waitress stops accepting at 100 open connections, and 100 customers on a survey page
    # keep theirs open between taps: the next one waited until another closed. poll(), not
    # select(), so that connections past file descriptor 1024 work.
    return create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        connection_limit=CONNECTION_LIMIT,
        asyncore_use_poll=True,
    )


def _exit(signum, frame):
    raise SystemExit(0)
