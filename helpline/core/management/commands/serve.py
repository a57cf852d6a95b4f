"""`helpline serve`: the web server alone, HTTP and WebSockets (uvicorn, helpline.asgi).

Why uvicorn: README, "Design notes" (measured against daphne and granian).
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand

from helpline.core.processes import listen_url


class Command(BaseCommand):
    help = "Run the web server (uvicorn: HTTP and WebSockets); WhiteNoise serves static files."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads", type=int, default=8, help="threads that serve HTTP requests"
        )

    def handle(self, *args, host, port, threads, **options):
        url = listen_url(host, port)
        server = web_server(host, port, threads)
        self.stdout.write(f"Serving Helpline on {url}/")
        self.stdout.flush()
        # uvicorn stops on SIGTERM and Ctrl-C by itself, closing open sockets.
        server.run()


def web_server(host: str, port: int, threads: int = 8):
    """The uvicorn server `helpline serve` runs (port 0: any free port, see `effective_port`)."""
    import uvicorn

    # helpline.asgi reads the number of threads when uvicorn imports it (by name: the
    # application sits above every app, this command below them).
    os.environ["HELPLINE_WEB_THREADS"] = str(threads)
    config = uvicorn.Config(
        "helpline.asgi:application",
        host=host,
        port=port,
        lifespan="on",
        # Access lines would bury the worker's output in `helpline start`; errors still show.
        access_log=False,
        log_level="warning",
        ws="websockets-sansio",
        ws_max_size=1024 * 1024,  # a page sends small JSON; files go over HTTP
        # Compressing each small frame cost more of the process than the JSON it carries
        # (bench/chat.py): a socket's frames are ids and a line of text.
        ws_per_message_deflate=False,
        # Behind a proxy, X-Forwarded-* come from it; Django reads them (settings), not uvicorn.
        proxy_headers=False,
        server_header=False,
    )
    return Server(config, threads)


class Server:
    """uvicorn's server; HTTP requests run in `threads` threads (helpline.asgi), and its loop
    lends as many to the sockets' synchronous work (sessions, presence)."""

    def __init__(self, config, threads: int):
        import uvicorn

        self.server = uvicorn.Server(config)
        self.threads = threads

    def run(self) -> None:
        from uvicorn._compat import asyncio_run

        asyncio_run(self._serve(), loop_factory=self.server.config.get_loop_factory())

    async def _serve(self) -> None:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(self.threads))
        await self.server.serve()

    @property
    def started(self) -> bool:
        return self.server.started

    @property
    def effective_port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
