"""Raw email bytes -> ParsedEmail. Pure: no database, no settings.

The MIME structure comes from the standard library (``BytesParser`` with
``policy.default``). Header values are read raw and decoded by ``headers``; body
parts are decoded by the charset fallback chain of ``charsets``, every guess noted
in ``problems``.
"""

import mimetypes
import re
from datetime import UTC
from email import errors as email_errors
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from helpline.channels.email.charsets import decode_bytes
from helpline.channels.email.classify import classify, content_param, content_type, raw_header
from helpline.channels.email.headers import HeaderView, decode_8bit_header, decode_header_text
from helpline.channels.email.parsed import Address, ParsedAttachment, ParsedEmail, UnparseableEmail
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

    body = _Body(problems)
    try:
        body.walk(msg)
    except RecursionError:
        problems.append("MIME structure nested too deeply; body incomplete")
    _note_defects(msg, problems)

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


# --------------------------------------------------------------------------- body


class _Body:
    """Walks the MIME tree collecting body texts, HTML and attachments."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.attachments: list[ParsedAttachment] = []

    def walk(self, part: Message, depth: int = 0) -> None:
        ctype = self._content_type(part)
        if ctype == "message/rfc822" or (ctype.startswith("message/") and part.is_multipart()):
            self._message_attachment(part, ctype)
        elif part.is_multipart():
            children = _children(part)
            if ctype == "multipart/alternative":
                self._alternative(children, depth)
            elif ctype == "multipart/related" and children:
                self.walk(children[0], depth + 1)
                for child in children[1:]:
                    self.walk(child, depth + 1)
            else:
                for child in children:
                    self.walk(child, depth + 1)
        else:
            self._leaf(part, ctype)

    def _alternative(self, children: list[Message], depth: int) -> None:
        types = [self._content_type(c) for c in children]
        if "text/plain" in types and not _is_attachment(children[types.index("text/plain")]):
            plain = children[types.index("text/plain")]
            self._leaf(plain, "text/plain")
        else:
            plain = None
        # the richest HTML alternative (possibly inside multipart/related); others dropped
        html_child = None
        for child, ctype in zip(children, types, strict=True):
            if ctype == "text/html" or ctype == "multipart/related" or ctype == "multipart/mixed":
                html_child = child
        if html_child is not None:
            if plain is not None and self._content_type(html_child) == "text/html":
                self.htmls.append(self._text(html_child))
            elif plain is not None:
                # HTML inside related/mixed: keep its HTML and attachments, not a 2nd text
                saved = list(self.texts)
                self.walk(html_child, depth + 1)
                self.texts = saved
            else:
                self.walk(html_child, depth + 1)
        elif plain is None and children:
            self.walk(children[-1], depth + 1)

    def _leaf(self, part: Message, ctype: str) -> None:
        if ctype in ("text/plain", "text/html") and not _is_attachment(part):
            text = self._text(part)
            (self.texts if ctype == "text/plain" else self.htmls).append(text)
            return
        self._attachment(part, ctype, _payload_bytes(part))

    def _message_attachment(self, part: Message, ctype: str) -> None:
        inner = part.get_payload(0) if part.is_multipart() else None
        if isinstance(inner, Message):
            try:
                content = inner.as_bytes()
            except Exception:  # noqa: BLE001 - generator quirks on broken messages
                content = str(inner).encode("utf-8", "surrogateescape")
            subject = " ".join(decode_header_text(HeaderView(inner).first("subject")).split())
        else:
            content = _payload_bytes(part)
            subject = ""
        filename = _filename(part) or (_safe_filename(subject) + ".eml" if subject else "")
        self._attachment(part, ctype, content, filename)

    def _attachment(self, part: Message, ctype: str, content: bytes, filename: str = "") -> None:
        filename = filename or _filename(part)
        if not filename:
            ext = _extension(ctype)
            filename = f"attachment-{len(self.attachments) + 1}{ext}"
        content_id = raw_header(part, "content-id").strip().strip("<>").strip()
        disposition = _disposition(part)
        inline = disposition == "inline" or (bool(content_id) and disposition != "attachment")
        self.attachments.append(
            ParsedAttachment(
                filename=filename,
                content_type=ctype,
                content=content,
                content_id=content_id,
                inline=inline,
            )
        )

    def _text(self, part: Message) -> str:
        data = _payload_bytes(part)
        text, problem = decode_bytes(data, content_param(part, "charset"))
        if problem:
            self.problems.append(problem)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\x00" in text:
            text = text.replace("\x00", "")
            self.problems.append("NUL bytes removed from text")
        return text

    def _content_type(self, part: Message) -> str:
        if "_helpline_ctype" in part.__dict__:
            return part.__dict__["_helpline_ctype"]
        raw = raw_header(part, "content-type")
        ctype = content_type(part)
        if raw:
            main = raw.split(";", 1)[0].strip().lower()
            if "/" not in main or main.count("/") != 1 or " " in main:
                self.problems.append(f"malformed Content-Type {main!r}; treated as {ctype}")
        return ctype


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def _disposition(part: Message) -> str:
    return raw_header(part, "content-disposition").split(";", 1)[0].strip().lower()


def _is_attachment(part: Message) -> bool:
    disposition = _disposition(part)
    if disposition == "attachment":
        return True
    return bool(disposition != "inline" and content_param(part, "name"))


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - fall back to the undecoded payload
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if not name:
        return ""
    return _safe_filename(decode_header_text(str(name)))


_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def _safe_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", " ".join(name.split())).strip(" .")
    return name[:200]


_EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "text/rfc822-headers": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "image/jpeg": ".jpg",
    "application/octet-stream": ".bin",
}


def _extension(ctype: str) -> str:
    ext = _EXTENSIONS.get(ctype)
    if ext is None:
        ext = mimetypes.guess_extension(ctype) or (".txt" if ctype.startswith("text/") else ".bin")
    return ext


_DEFECTS = {
    email_errors.MissingHeaderBodySeparatorDefect: "no blank line between headers and body",
    email_errors.StartBoundaryNotFoundDefect: "multipart boundary not found",
    email_errors.CloseBoundaryNotFoundDefect: "multipart closing boundary missing",
    email_errors.NoBoundaryInMultipartDefect: "multipart without boundary; read as text",
    email_errors.MultipartInvariantViolationDefect: "multipart without parts",
    email_errors.InvalidBase64PaddingDefect: "bad base64 padding",
    email_errors.InvalidBase64CharactersDefect: "invalid base64 characters",
    email_errors.InvalidBase64LengthDefect: "invalid base64 length",
    email_errors.FirstHeaderLineIsContinuationDefect: "first header line is a continuation",
    email_errors.MisplacedEnvelopeHeaderDefect: "misplaced envelope header",
    email_errors.InvalidMultipartContentTransferEncodingDefect: (
        "multipart with a content transfer encoding"
    ),
}


def _note_defects(msg: Message, problems: list[str]) -> None:
    for part in msg.walk():
        for defect in getattr(part, "defects", ()):
            text = _DEFECTS.get(type(defect))
            if text:
                problems.append(text)
