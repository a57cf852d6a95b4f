"""helpline fetch-mail [--mailbox ADDRESS]: poll the IMAP mailboxes once.

See helpline/channels/email/imap.py for what is fetched and why a crash loses
nothing. The periodic task `fetch_all_mailboxes` does the same on a schedule.
"""

from django.core.management.base import BaseCommand, CommandError

from helpline.channels.email import imap


class Command(BaseCommand):
    help = "Fetch new mail from every active IMAP mailbox (or one) and print what was done."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", metavar="ADDRESS", help="poll only this mailbox")
        parser.add_argument(
            "--keep-unseen",
            action="store_true",
            help="do not mark fetched messages as read (\\Seen) on the server",
        )

    def handle(self, *args, mailbox, keep_unseen, **options):
        mailboxes = imap.imap_mailboxes()
        if mailbox:
            mailboxes = mailboxes.filter(address__iexact=mailbox)
            if not mailboxes.exists():
                raise CommandError(f"no active IMAP mailbox with the address {mailbox}")
        failed = 0
        polled = 0
        for box in mailboxes:
            report = imap.fetch_mailbox(box, mark_seen=not keep_unseen)
            self.stdout.write(report.summary())
            polled += 1
            failed += bool(report.error)
        if not polled:
            self.stdout.write("no active IMAP mailboxes")
        if failed:
            raise CommandError(f"{failed} of {polled} mailbox(es) failed", returncode=1)
