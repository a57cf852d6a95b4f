"""helpline ingest-email [--mailbox ADDRESS] < message.eml: take one message from an MTA pipe.

Exit status, as MTAs read it (sysexits.h):

* 0 when the raw bytes are committed: stored, duplicate or quarantined. The
  mail is in Helpline and the MTA may forget it.
* 75 (EX_TEMPFAIL) when the database cannot be reached, or the mailbox named
  by --mailbox does not exist: the MTA keeps the message and retries later
  (Postfix's pipe, Exim and sendmail all treat 75 as temporary).
* 66 (EX_NOINPUT) when stdin is empty.

Postfix master.cf example::

    helpline unix - n n - - pipe
      flags=Rq user=helpline argv=/opt/helpline/.venv/bin/helpline ingest-email
      --mailbox ${recipient}
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from helpline.channels.email.listener import active_mailbox, hand_over

EX_NOINPUT = 66
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Ingest one RFC 5322 message read from stdin (for an MTA pipe)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox",
            metavar="ADDRESS",
            help="the support address the mail was delivered to (default: from the To/Cc header)",
        )

    def handle(self, *args, mailbox, **options):
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("no message on stdin", returncode=EX_NOINPUT)
        box = None
        if mailbox:
            try:
                box = active_mailbox(mailbox)
            except DatabaseError as exc:
                raise CommandError(f"database unavailable: {exc}", returncode=EX_TEMPFAIL) from exc
            if box is None:
                raise CommandError(
                    f"no active mailbox with the address {mailbox}", returncode=EX_TEMPFAIL
                )
        handoff = hand_over(raw, source="pipe", mailbox=box)
        if not handoff.accepted:
            raise CommandError(handoff.describe(), returncode=EX_TEMPFAIL)
        self.stdout.write(handoff.describe())
