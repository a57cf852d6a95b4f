"""Raw email bytes -> ParsedEmail. Pure: no database, no settings.

``parse_email`` is the one entry. The MIME structure comes from the standard library
(``BytesParser`` with ``policy.default``); here the headers become the sender,
recipients, subject, Message-IDs and date (raw values decoded by ``headers``), the
body walk of ``mime`` gives the text, HTML and attachments, ``classify`` says whether
it is a person's mail, an auto-reply or a bounce, and ``quotes`` what is new in it.
"""

import re
from datetime import UTC
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from helpline.channels.email.classify import classify
from helpline.channels.email.headers import HeaderView, decode_8bit_header, decode_header_text
from helpline.channels.email.mime import Body, note_defects
from helpline.channels.email.parsed import Address, ParsedEmail, UnparseableEmail
from helpline.channels.email.quotes import extract_new_text
from helpline.core.html import html_to_text, sanitize_html

_PARSER = BytesParser(policy=policy.default)

# Headers of which at least one must be present for the bytes to count as an email.
_EMAIL_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "content-type",
        "delivered-to",
        "sender",
        "reply-to",
        "in-reply-to",
        "references",
    }
)


def parse_email(raw: bytes, max_bytes: int | None = None) -> ParsedEmail:
    """Parse one message. Raises UnparseableEmail only for input that is not an email."""
    if not raw or not raw.strip():
        raise UnparseableEmail("empty message")
    if max_bytes is not None and len(raw) > max_bytes:
        raise UnparseableEmail(f"message is {len(raw)} bytes, over the limit of {max_bytes}")
    msg = _PARSER.parsebytes(raw)
    headers = HeaderView(msg)
    if not headers.names & _EMAIL_HEADERS:
        raise UnparseableEmail("no email headers (no From, To or Subject): not an email")

    problems: list[str] = []
    parsed = ParsedEmail(from_=None)
    _parse_headers(headers, parsed, problems)

    body = Body(problems)
    try:
        body.walk(msg)
    except RecursionError:
        problems.append("MIME structure nested too deeply; body incomplete")
    note_defects(msg, problems)

    parsed.attachments = body.attachments
    if body.texts:
        parsed.text = "\n".join(body.texts)
    elif body.htmls:
        parsed.text = html_to_text("\n".join(body.htmls))
    if body.htmls:
        parsed.html = sanitize_html("\n".join(body.htmls))
    parsed.text = parsed.text.strip("\n")
    parsed.kind, parsed.bounced_recipients, parsed.bounced_message_id = classify(msg, parsed)
    if parsed.kind == "bounce":
        parsed.new_text = parsed.text  # a mail system's notice has no quoted reply history
    else:
        language = headers.first("content-language") or None
        parsed.new_text = extract_new_text(parsed.text, language)
    parsed.problems = list(dict.fromkeys(problems))
    return parsed


# --------------------------------------------------------------------------- headers


def _parse_headers(h: HeaderView, parsed: ParsedEmail, problems: list[str]) -> None:
    froms = _addresses(h.all("from"))
    if "from" not in h.names:
        problems.append("no From header")
    elif not froms or not froms[0].email:
        parsed.from_ = Address(name=" ".join(decode_header_text(h.first("from")).split()), email="")
        problems.append("From header has no usable address")
    else:
        parsed.from_ = froms[0]
    parsed.to = [a for a in _addresses(h.all("to")) if a.email]
    parsed.cc = [a for a in _addresses(h.all("cc")) if a.email]
    parsed.reply_to = [a for a in _addresses(h.all("reply-to")) if a.email]
    if "to" not in h.names and "cc" not in h.names:
        problems.append("no To header")

    if "subject" in h.names:
        parsed.subject = " ".join(decode_header_text(h.first("subject"), problems).split())
    ids = message_ids(h.first("message-id"))
    if ids:
        parsed.message_id = ids[0]
    else:
        problems.append(
            "no Message-ID header" if "message-id" not in h.names else "Message-ID unusable"
        )
    parsed.in_reply_to = message_ids(" ".join(h.all("in-reply-to")))
    parsed.references = message_ids(" ".join(h.all("references")))

    date = h.first("date")
    if not date:
        problems.append("no Date header")
    else:
        parsed.date = parse_date(date)
        if parsed.date is None:
            problems.append("date header unparseable")


_MSGID_BRACKETED = re.compile(r"<\s*([^<>\s]+?)\s*>")
_MSGID_BARE = re.compile(r"[^\s<>,;()\"]+@[^\s<>,;()\"]+")


def message_ids(value: str) -> list[str]:
    """Message-IDs in a header value, without angle brackets, in order, deduplicated."""
    if not value:
        return []
    found = _MSGID_BRACKETED.findall(value)
    if not found:
        found = _MSGID_BARE.findall(value)
        if not found and value.strip() and " " not in value.strip():
            found = [value.strip().strip("<>")]
    return list(dict.fromkeys(mid for mid in found if mid))


def parse_date(value: str):
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if date is None:
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date


_USABLE_ADDR = re.compile(r"[^\s<>()\[\]\\,;:\"@]+(?:@[^\s<>()\[\]\\,;:\"@]+)?")


def _addresses(values: list[str]) -> list[Address]:
    if not values:
        return []
    out = []
    try:
        pairs = getaddresses([decode_8bit_header(v) for v in values])
    except Exception:  # noqa: BLE001 - a broken header must not stop the message
        pairs = []
    for name, addr in pairs:
        addr = addr.strip()
        email = addr.lower() if "@" in addr and _USABLE_ADDR.fullmatch(addr) else ""
        name = " ".join(decode_header_text(name).split()) if name else ""
        if not email and not name:
            continue
        out.append(Address(name=name, email=email))
    return out
