"""Raw email bytes -> ParsedEmail. Pure: no database, no settings.

The MIME structure comes from the standard library (``BytesParser`` with
``policy.default``). Headers are decoded here from their raw values with a lenient
RFC 2047 decoder (faster than the policy's header objects, and it survives
malformed encoded-words). Bodies are decoded with a charset fallback chain:
declared charset, then UTF-8, then detection (charset-normalizer, only when both
failed), then Windows-1252 with replacement; every guess is noted in ``problems``.
"""

import base64
import binascii
import mimetypes
import re
from datetime import UTC
from email import errors as email_errors
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from helpline.channels.email.classify import classify, content_param, content_type, raw_header
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
    headers = _HeaderView(msg)
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


class _HeaderView:
    """Raw header values of one message part, unfolded, keyed by lower-cased name."""

    def __init__(self, part: Message):
        self.values: dict[str, list[str]] = {}
        for name, value in part.raw_items():
            if not isinstance(value, str):  # a policy header object (never from the parser)
                value = str(value)
            self.values.setdefault(name.lower(), []).append(_unfold(value))
        self.names = self.values.keys()

    def first(self, name: str) -> str:
        values = self.values.get(name)
        return values[0] if values else ""

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])


def _unfold(value: str) -> str:
    return (
        value.replace("\r\n", "\n").replace("\n", " ").strip() if "\n" in value else value.strip()
    )


def _parse_headers(h: _HeaderView, parsed: ParsedEmail, problems: list[str]) -> None:
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
        pairs = getaddresses([_decode_raw(v) for v in values])
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


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_QP_HEADER = re.compile(rb"=([0-9A-Fa-f]{2})")


def decode_header_text(value: str, problems: list[str] | None = None) -> str:
    """Decode RFC 2047 encoded-words leniently; raw 8-bit text is read as UTF-8."""
    value = _decode_raw(value)
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent words, joined before decoding
    pos = 0

    def flush():
        if not pending:
            return
        # join bytes of consecutive words in the same charset (split multibyte chars)
        groups: list[tuple[str, bytearray]] = []
        for charset, data in pending:
            if groups and groups[-1][0] == charset:
                groups[-1][1].extend(data)
            else:
                groups.append((charset, bytearray(data)))
        for charset, data in groups:
            text, _ = decode_bytes(bytes(data), charset)
            out.append(text)
        pending.clear()

    for m in _ENCODED_WORD.finditer(value):
        between = value[pos : m.start()]
        if between and not (pending and not between.strip()):
            flush()
            out.append(between)
        charset = m.group(1).split("*")[0].lower()  # RFC 2231 language suffix
        data = _decode_word(m.group(2), m.group(3))
        if data is None:
            flush()
            out.append(m.group(0))
            if problems is not None:
                problems.append("malformed encoded-word in header kept as is")
        else:
            pending.append((charset, data))
        pos = m.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def _decode_word(encoding: str, text: str) -> bytes | None:
    if encoding in "bB":
        text = text.strip()
        text += "=" * (-len(text) % 4)
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            try:
                return base64.b64decode(text.rstrip("=")[: len(text.rstrip("=")) // 4 * 4])
            except (binascii.Error, ValueError):
                return None
    raw = text.replace("_", " ").encode("utf-8", "surrogateescape")
    return _QP_HEADER.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _decode_raw(value: str) -> str:
    """Headers with raw 8-bit bytes arrive surrogate-escaped: read them as UTF-8."""
    if value.isascii():
        return value
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


# --------------------------------------------------------------------------- charsets

_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso_8859-1": "cp1252",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "iso-2022-jp": "iso2022_jp_ext",
    "big5": "big5hkscs",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "default": "",
    "charset": "",
}
_NOT_ASCII_COMPATIBLE = (
    "iso-2022",
    "iso2022",
    "utf-7",
    "unicode-1-1-utf-7",
    "hz",
    "utf-16",
    "utf-32",
)
_SINGLE_BYTE_PREFIXES = ("iso-8859", "iso8859", "windows-125", "cp125", "koi8", "latin", "ascii")


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode ``data``; returns (text, problem or None)."""
    declared = (declared or "").strip().strip("\"'").lower()
    if data.isascii() and not declared.startswith(_NOT_ASCII_COMPATIBLE):
        return data.decode("ascii"), None
    codec = _CHARSET_ALIASES.get(declared, declared)
    if declared in ("us-ascii", "ascii", "us", "ansi_x3.4-1968"):
        codec = ""
    if codec:
        single_byte = declared.startswith(_SINGLE_BYTE_PREFIXES) or codec.startswith("cp125")
        if single_byte and codec != "utf-8":
            # a single-byte charset decodes anything; valid UTF-8 means it was mislabelled
            try:
                return data.decode(
                    "utf-8"
                ), f"declared charset {declared} was wrong; decoded as utf-8"
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            if codec == "cp1252":
                return data.decode("latin-1"), None
            problem_start = f"declared charset {declared} was wrong"
        except LookupError:
            problem_start = f"unknown charset {declared}"
    elif declared:
        problem_start = f"declared charset {declared} was wrong"
    else:
        problem_start = "no charset declared"

    try:
        return data.decode("utf-8"), f"{problem_start}; decoded as utf-8"
    except UnicodeDecodeError:
        pass
    guess = _detect(data)
    if guess:
        try:
            return data.decode(guess), f"{problem_start}; decoded as {guess}"
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", "replace"), f"{problem_start}; decoded as windows-1252"


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    best = from_bytes(data[:65536]).best()
    return best.encoding.replace("_", "-") if best else None


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
            subject = " ".join(decode_header_text(_HeaderView(inner).first("subject")).split())
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
