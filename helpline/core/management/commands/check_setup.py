"""`helpline check`: what is configured, and which services cannot be reached.

Exits 1 when a required service (the database, the broker, the real-time layer's
Redis, the SMTP server, an IMAP mailbox) is unreachable or the database is not
migrated. Django's own system check is `helpline django-check`.
"""

import smtplib
import socket
import ssl

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from kombu import Connection
from kombu.utils.url import maybe_sanitize_url

TIMEOUT = 5


class Command(BaseCommand):
    help = "Show the configuration and check that the database, broker and mail servers answer."

    def handle(self, *args, **options):
        self.problems: list[str] = []
        self.stdout.write(f"Data folder      {settings.DATA_DIR}")
        database_ok = self._database()
        self._broker()
        self._channel_layer()
        self._smtp()
        if database_ok:
            self._mailboxes()
        if self.problems:
            self.stdout.write(self.style.ERROR(f"\n{len(self.problems)} problem(s):"))
            for problem in self.problems:
                self.stdout.write(f"  - {problem}")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("\nEverything answers."))

    def _line(self, label: str, value: str, ok: bool | None = None, detail: str = "") -> None:
        state = "" if ok is None else ("  ok" if ok else "  UNREACHABLE")
        text = f"{label:<16} {value}{state}"
        if detail:
            text += f" ({detail})"
        style = self.style.ERROR if ok is False else (lambda s: s)
        self.stdout.write(style(text))

    def _problem(self, text: str) -> None:
        self.problems.append(text)

    def _database(self) -> bool:
        db = settings.DATABASES["default"]
        engine = db["ENGINE"].rsplit(".", 1)[-1]
        where = str(db["NAME"])
        if db.get("HOST"):
            where = f"{db['NAME']} on {db['HOST']}:{db.get('PORT') or 'default port'}"
        try:
            connection.ensure_connection()
        except Exception as exc:
            self._line("Database", f"{engine}: {where}", False, _reason(exc))
            self._problem(f"database unreachable: {_reason(exc)}")
            return False
        self._line("Database", f"{engine}: {where}", True)
        pending = _unapplied_migrations()
        if pending:
            self._line("Migrations", f"{pending} not applied", False, "run `helpline migrate`")
            self._problem(f"{pending} migrations not applied")
            return False
        return True

    def _broker(self) -> None:
        url = settings.CELERY_BROKER_URL
        shown = maybe_sanitize_url(url)
        try:
            with Connection(url, connect_timeout=TIMEOUT) as broker:
                broker.ensure_connection(max_retries=1, interval_start=0, timeout=TIMEOUT)
        except Exception as exc:
            self._line("Broker", shown, False, _reason(exc))
            self._problem(f"broker unreachable at {shown}: {_reason(exc)}")
            return
        self._line("Broker", shown, True)

    def _channel_layer(self) -> None:
        """The desk's real-time layer: Redis when configured, else the web process's memory."""
        url = settings.CHANNEL_LAYERS_URL
        if not url:
            self._line("Real-time layer", "the web process's memory (one web process)")
            return
        import redis

        shown = maybe_sanitize_url(url)
        try:
            client = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
            )
            client.ping()
            client.close()
        except Exception as exc:
            self._line("Real-time layer", shown, False, _reason(exc))
            self._problem(f"real-time layer unreachable at {shown}: {_reason(exc)}")
            return
        self._line("Real-time layer", shown, True)

    def _smtp(self) -> None:
        backend = settings.EMAIL_BACKEND
        if backend != "django.core.mail.backends.smtp.EmailBackend":
            self._line("Outgoing mail", f"{backend} (not SMTP: nothing to reach)")
            return
        host, port = settings.EMAIL_HOST, settings.EMAIL_PORT
        where = f"SMTP {host}:{port}" + (" (SSL)" if settings.EMAIL_USE_SSL else "")
        try:
            smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
            with smtp_class(host, port, timeout=TIMEOUT) as smtp:
                code, _ = smtp.ehlo()
                if code != 250:
                    raise smtplib.SMTPResponseException(code, "EHLO refused")
        except (OSError, smtplib.SMTPException) as exc:
            self._line("Outgoing mail", where, False, _reason(exc))
            self._problem(f"SMTP server unreachable at {host}:{port}: {_reason(exc)}")
            return
        self._line("Outgoing mail", where, True)

    def _mailboxes(self) -> None:
        from helpline.core.models import Mailbox, MailboxDelivery

        mailboxes = list(Mailbox.objects.filter(active=True).select_related("location"))
        if not mailboxes:
            self._line("Mailboxes", "none configured")
            return
        for mailbox in mailboxes:
            label = f"Mailbox {mailbox.address}"
            if mailbox.delivery != MailboxDelivery.IMAP:
                self._line(label, "delivered by the mail server (LMTP/SMTP or pipe)")
                continue
            where = f"IMAP {mailbox.imap_host}:{mailbox.imap_port}"
            error = _imap_error(mailbox.imap_host, mailbox.imap_port, mailbox.imap_ssl)
            self._line(label, where, error is None, error or "")
            if error:
                self._problem(f"IMAP server of {mailbox.address} unreachable: {error}")


def _unapplied_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _imap_error(host: str, port: int, use_ssl: bool) -> str | None:
    """Why the IMAP server does not greet us, or None when it does."""
    if not host:
        return "no host configured"
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as raw:
            sock = raw
            if use_ssl:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
            greeting = sock.makefile("rb").readline(1024)
    except (OSError, ssl.SSLError) as exc:
        return _reason(exc)
    if not greeting.startswith((b"* OK", b"* PREAUTH")):
        return f"not an IMAP greeting: {greeting[:60]!r}"
    return None


def _reason(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
