"""helpline mail-listener: receive mail from the local MTA over LMTP and SMTP.

See helpline/channels/email/listener.py for what is accepted and when.
"""

import asyncio

from django.core.management.base import BaseCommand, CommandError

from helpline.channels.email.listener import serve


class Command(BaseCommand):
    help = (
        "Serve LMTP and SMTP for the local mail server; mail to an active mailbox's "
        "address is ingested. Stops cleanly on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument(
            "--lmtp-port", type=int, default=8024, metavar="PORT", help="LMTP port (0: off)"
        )
        parser.add_argument(
            "--smtp-port", type=int, default=8025, metavar="PORT", help="SMTP port (0: off)"
        )

    def handle(self, *args, host, lmtp_port, smtp_port, **options):
        if not lmtp_port and not smtp_port:
            raise CommandError("both LMTP and SMTP are off; give --lmtp-port or --smtp-port")
        try:
            asyncio.run(serve(host, lmtp_port, smtp_port, on_ready=self._ready))
        except OSError as exc:
            raise CommandError(f"cannot listen: {exc}") from exc
        self.stdout.write("mail listener stopped")

    def _ready(self, listening):
        for protocol, host, port in listening:
            self.stdout.write(f"listening for {protocol} on {host}:{port}")
        self.stdout.flush()
