"""Trying a mailbox's IMAP server and the outgoing SMTP server, told in plain words.

The settings page's "Test connection": each check really connects, signs in and looks,
and says what worked or, in words an admin can act on, what did not.
"""

import contextlib
import smtplib
import socket
import ssl as ssl_module
from dataclasses import dataclass

from django.conf import settings
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from helpline.core.models import Mailbox, MailboxDelivery

TIMEOUT_SECONDS = 15
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@dataclass(frozen=True)
class Check:
    what: str  # "Incoming mail (IMAP)", "Outgoing mail (SMTP)"
    ok: bool
    text: str


def check_imap(mailbox: Mailbox) -> Check:
    what = "Incoming mail (IMAP)"
    if mailbox.delivery != MailboxDelivery.IMAP:
        return Check(what, True, "Mail reaches this mailbox from your mail server; no IMAP to try.")
    if not mailbox.imap_host:
        return Check(what, False, "No IMAP server is set: fill in its name and save first.")
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    user = mailbox.imap_user or mailbox.address
    try:
        client = IMAPClient(
            mailbox.imap_host,
            port=mailbox.imap_port,
            ssl=mailbox.imap_ssl,
            ssl_context=ssl_module.create_default_context() if mailbox.imap_ssl else None,
            timeout=TIMEOUT_SECONDS,
        )
    except Exception as exc:
        return Check(what, False, _unreachable(exc, where, "IMAP", secure=mailbox.imap_ssl))
    try:
        try:
            client.login(user, mailbox.imap_password())
        except LoginError:
            return Check(
                what, False, f"{where} refused the user name {user} or its password. Check both."
            )
        if not client.folder_exists(mailbox.imap_folder):
            return Check(
                what,
                False,
                f"Signed in to {where} as {user}, but there is no folder “{mailbox.imap_folder}”.",
            )
        status = client.folder_status(mailbox.imap_folder, [b"MESSAGES"])
        count = int(status.get(b"MESSAGES", 0))
        return Check(
            what,
            True,
            f"Signed in to {where} as {user}; the folder “{mailbox.imap_folder}” holds "
            f"{count} message{'s' if count != 1 else ''}.",
        )
    except (IMAPClientError, OSError) as exc:
        return Check(what, False, f"{where} answered, but then: {exc}")
    finally:
        with contextlib.suppress(Exception):  # already gone: nothing to close
            client.logout()


def check_smtp(mailbox: Mailbox) -> Check:
    """Whether the outgoing server takes mail from this mailbox's address (nothing is sent)."""
    what = "Outgoing mail (SMTP)"
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        return Check(
            what,
            False,
            f"Helpline does not send mail over SMTP here (EMAIL_BACKEND is "
            f"{settings.EMAIL_BACKEND}). Set EMAIL_HOST and the other EMAIL_ settings.",
        )
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    secure = bool(settings.EMAIL_USE_SSL or settings.EMAIL_USE_TLS)
    try:
        smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
        server = smtp_class(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=TIMEOUT_SECONDS)
    except Exception as exc:
        return Check(what, False, _unreachable(exc, where, "SMTP", secure=secure))
    try:
        server.ehlo()
        if settings.EMAIL_USE_TLS:
            server.starttls(context=ssl_module.create_default_context())
            server.ehlo()
        if settings.EMAIL_HOST_USER:
            try:
                server.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            except smtplib.SMTPAuthenticationError:
                return Check(
                    what,
                    False,
                    f"{where} refused the user name {settings.EMAIL_HOST_USER} or its password "
                    "(EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                )
        code, reply = server.mail(mailbox.address)
        server.rset()
        if code >= 400:
            answer = reply.decode(errors="replace")
            return Check(
                what, False, f"{where} does not take mail from {mailbox.address}: {answer}"
            )
        signed = f" as {settings.EMAIL_HOST_USER}" if settings.EMAIL_HOST_USER else ""
        return Check(what, True, f"{where} answered{signed} and takes mail from {mailbox.address}.")
    except (smtplib.SMTPException, OSError) as exc:
        return Check(what, False, f"{where} answered, but then: {exc}")
    finally:
        with contextlib.suppress(Exception):  # already gone: nothing to close
            server.quit()


def _unreachable(exc: Exception, where: str, protocol: str, *, secure: bool) -> str:
    host = where.rsplit(":", 1)[0]
    if isinstance(exc, socket.gaierror):
        return f"The {protocol} server name {host} could not be found. Check its spelling."
    if isinstance(exc, ConnectionRefusedError):
        return f"Nothing answers at {where}. Check the server name and port."
    if isinstance(exc, socket.timeout | TimeoutError):
        seconds = TIMEOUT_SECONDS
        return f"No answer from {where} within {seconds} seconds: a firewall, or the wrong port."
    if isinstance(exc, ssl_module.SSLError):
        hint = "the server may not use SSL on this port" if secure else "check the SSL setting"
        return f"A secure connection to {where} failed ({exc.reason or exc}): {hint}."
    if isinstance(exc, smtplib.SMTPException | IMAPClientError):
        return f"{where} answered in a way Helpline does not understand: {exc}"
    return f"Could not connect to {where}: {exc}"
