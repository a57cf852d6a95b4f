"""Raw email bytes -> ParsedEmail. Pure: no database, no settings.

``parse_email`` is the one entry. The MIME structure comes from the standard library
(``BytesParser`` with ``policy.default``); here the headers become the sender,
recipients, subject, Message-IDs and date (raw values decoded by ``headers``), the
body walk of ``mime`` gives the text, HTML and attachments, ``classify`` says whether
it is a person's mail, an auto-reply or a bounce, and ``quotes`` what is new in it.

Hostile mail is bounded before the expensive steps (the limits below; see "Mail
bombs" in the README): the header section and the MIME structure are measured on the
raw bytes in linear time before the standard library parses them (it is slow with
many parts and recurses with deep nesting), the References kept are the first and the
last ones, and HTML too large or too deep for the sanitiser is read as text instead.
What is absurd raises UnparseableEmail: the mail is quarantined with that reason.
"""

import re
from datetime import UTC
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from helpline.channels.email.classify import classify
from helpline.channels.email.headers import HeaderView, decode_8bit_header, decode_header_text
from helpline.channels.email.mime import Body, note_defects
from helpline.channels.email.parsed import (
    IN_REPLY_TO_MAX,
    Address,
    ParsedEmail,
    UnparseableEmail,
)
from helpline.channels.email.quotes import extract_new_text
from helpline.core.html import html_as_plain_text, html_depth, html_to_text, sanitize_html

_PARSER = BytesParser(policy=policy.default)

# Limits against mail bombs (the README's "Mail bombs" has the measurements behind them).
HEADER_MAX_BYTES = 1024 * 1024  # the top-level header section; RFC 5322 lines are <= 998
MIME_MAX_PARTS = 1_000  # the standard library takes ~1 ms a part with policy.default
MIME_MAX_DEPTH = 100  # it recurses per level and fails near 1,000 levels
REFERENCES_FIRST = 10  # a References header keeps its first ids (the thread's root)...
REFERENCES_LAST = 90  # ...and its last ones (the nearest parents)
HTML_MAX_CHARS = 1_000_000  # larger HTML is shown as text (html.parser reads ~1 MB/s)
HTML_MAX_DEPTH = 500  # deeper HTML is shown as text (nh3 is quadratic in the depth)
HTML_ABSURD_DEPTH = 10_000  # deeper HTML is quarantined: nobody writes that

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
    check_shape(raw)
    try:
        return _parse(raw)
    except RecursionError as exc:  # the standard library recurses per MIME level
        raise UnparseableEmail(
            "MIME structure nested too deeply for the parser (RecursionError)"
        ) from exc


def _parse(raw: bytes) -> ParsedEmail:
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
    html = "\n".join(body.htmls)
    html_as_text = bool(html) and _too_complex(html, problems)
    if body.texts:
        parsed.text = "\n".join(body.texts)
    elif html:
        parsed.text = html_as_plain_text(html) if html_as_text else html_to_text(html)
    if html and not html_as_text:
        parsed.html = sanitize_html(html)
    parsed.text = parsed.text.strip("\n")
    parsed.kind, parsed.bounced_recipients, parsed.bounced_message_id = classify(msg, parsed)
    if parsed.kind == "bounce":
        parsed.new_text = parsed.text  # a mail system's notice has no quoted reply history
    else:
        language = headers.first("content-language") or None
        parsed.new_text = extract_new_text(parsed.text, language)
    parsed.problems = list(dict.fromkeys(problems))
    return parsed


# --------------------------------------------------------------------------- limits

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_DELIMITER = re.compile(rb"^--([^\r\n]*)", re.MULTILINE)


def check_shape(raw: bytes) -> None:
    """Refuse, in linear time, what the standard library parser cannot bear."""
    end = _HEADER_END.search(raw)
    header_bytes = end.start() if end else len(raw)
    if header_bytes > HEADER_MAX_BYTES:
        raise UnparseableEmail(
            f"header section is {header_bytes} bytes, over the limit of {HEADER_MAX_BYTES:,}"
        )
    parts, depth = mime_shape(raw)
    if depth > MIME_MAX_DEPTH:
        raise UnparseableEmail(
            f"MIME parts nested {depth} levels deep, over the limit of {MIME_MAX_DEPTH:,}"
        )
    if parts > MIME_MAX_PARTS:
        raise UnparseableEmail(f"{parts} MIME parts, over the limit of {MIME_MAX_PARTS:,}")


def mime_shape(raw: bytes) -> tuple[int, int]:
    """How many MIME parts the raw bytes hold, and how deeply multiparts nest.

    From the boundaries declared anywhere and the delimiter lines that use them, in
    one pass (an upper bound: a boundary-like line in a body counts too).
    """
    boundaries = {m.group(1) or m.group(2) for m in _BOUNDARY.finditer(raw)}
    if not boundaries:
        return 0, 0
    stack: list[bytes] = []  # the open multiparts, outermost first
    position: dict[bytes, int] = {}
    parts = deepest = 0
    for m in _DELIMITER.finditer(raw):
        line = m.group(1).rstrip()
        closing = line.endswith(b"--") and line[:-2] in boundaries
        name = line[:-2] if closing else line
        if name in position:
            keep = position[name] + (0 if closing else 1)
            while len(stack) > keep:
                del position[stack.pop()]
        elif name in boundaries and not closing:
            position[name] = len(stack)
            stack.append(name)
        else:
            continue
        if not closing:
            parts += 1
            deepest = max(deepest, len(stack))
    return parts, deepest


def _too_complex(html: str, problems: list[str]) -> bool:
    """Whether HTML must be read as text rather than parsed; raises when it is absurd.

    The depth is measured on the first HTML_MAX_CHARS only (what is larger is read
    as text anyway), and stops once it is absurd: bounded work, whatever the HTML.
    """
    depth = html_depth(html[:HTML_MAX_CHARS], stop_at=HTML_ABSURD_DEPTH + 1)
    if depth > HTML_ABSURD_DEPTH:
        raise UnparseableEmail(f"HTML nested more than {HTML_ABSURD_DEPTH:,} levels deep")
    if len(html) > HTML_MAX_CHARS:
        problems.append(
            f"HTML part is {len(html)} characters, over the limit of {HTML_MAX_CHARS:,}: "
            "shown as text"
        )
        return True
    if depth > HTML_MAX_DEPTH:
        problems.append(
            f"HTML nested {depth} levels deep, over the limit of {HTML_MAX_DEPTH:,}: shown as text"
        )
        return True
    return False


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
    parsed.in_reply_to = message_ids(" ".join(h.all("in-reply-to")))[:IN_REPLY_TO_MAX]
    references = message_ids(" ".join(h.all("references")))
    if len(references) > REFERENCES_FIRST + REFERENCES_LAST:
        problems.append(
            f"References header has {len(references)} ids; the first {REFERENCES_FIRST} "
            f"and the last {REFERENCES_LAST} kept"
        )
        references = references[:REFERENCES_FIRST] + references[-REFERENCES_LAST:]
    parsed.references = references

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
