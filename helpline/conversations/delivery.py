"""Why a message did not reach the customer, in words an agent can act on.

A message keeps the technical error it failed or bounced with (`Message.delivery_error`:
an SMTP exception as the outbox caught it, a bounce's status line); this is the one place
that turns it into a reason. The technical text stays available beside it for whoever
fixes the mail server.
"""

import re
from dataclasses import dataclass

RETRYING = re.compile(r"\s*\(attempt (\d+), retrying\)\s*$")

# The first pattern found in the stored error decides; the most specific come first.
REASONS: list[tuple[re.Pattern, str]] = [
    (re.compile(p, re.IGNORECASE), reason)
    for p, reason in [
        (
            r"^InvalidAddress|^ValueError: Invalid address|BadHeaderError",
            "The address is not a valid email address: correct it, then send again.",
        ),
        (
            r"SMTPRecipientsRefused|\b5\.1\.[0-9]\b|user unknown|does not exist|no such user",
            "The recipient's address was rejected: it may be mistyped or no longer exist.",
        ),
        (r"\b552\b|\b5\.2\.2\b|mailbox (is )?full|over quota", "The recipient's mailbox is full."),
        (r"SMTPSenderRefused", "The mail server refused our sender address."),
        (
            r"SMTPAuthenticationError|\b535\b",
            "The mail server did not accept our user name or password.",
        ),
        (r"ConnectionRefusedError|Connection refused", "The mail server refused the connection."),
        (
            r"gaierror|Name or service not known|nodename nor servname|getaddrinfo",
            "The mail server's name could not be found.",
        ),
        (r"TimeoutError|timed out", "The mail server did not answer in time."),
        (
            r"SSLError|SMTPNotSupportedError|STARTTLS|certificate",
            "A secure connection to the mail server could not be made.",
        ),
        (
            r"SMTPServerDisconnected|ConnectionResetError|BrokenPipe|unexpectedly closed",
            "The mail server hung up before the mail was sent.",
        ),
        (
            r"SMTPDataError|\b554\b|\b5\.7\.[0-9]\b|spam|blocked",
            "The mail server refused the message.",
        ),
        (
            r"OSError|Network is unreachable|No route to host",
            "The mail server could not be reached.",
        ),
        (r"^bounced for ", "The recipient's mail server sent it back."),
    ]
]
UNKNOWN = "The mail could not be sent."


@dataclass(frozen=True)
class DeliveryProblem:
    reason: str  # for the agent, a sentence
    retrying: bool  # the outbox tries again by itself
    attempts: int  # tries so far, when retrying
    details: str  # the stored error, for whoever fixes the mail server


def delivery_problem(error: str) -> DeliveryProblem | None:
    """The reason a stored delivery error stands for; None for no error."""
    if not error:
        return None
    retry = RETRYING.search(error)
    details = RETRYING.sub("", error).strip()
    reason = next((text for pattern, text in REASONS if pattern.search(details)), UNKNOWN)
    attempts = int(retry.group(1)) if retry else 0
    return DeliveryProblem(reason, retry is not None, attempts, details)
