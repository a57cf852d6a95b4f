"""The body of a parsed message: its text, HTML and attachments, and its defects.

``Body.walk`` goes down the MIME tree: of a multipart/alternative it keeps the plain
text and the richest HTML, a forwarded message (message/rfc822) becomes an ``.eml``
attachment, text and HTML parts that are not attachments make the body, and every
other part is an attachment with a safe file name. Text is decoded by ``charsets``;
its guesses and the parser's defects are noted in ``problems``.
"""

import mimetypes
import re
from email import errors as email_errors
from email.message import Message

from helpline.channels.email.charsets import decode_bytes
from helpline.channels.email.classify import content_param, content_type, raw_header
from helpline.channels.email.headers import HeaderView, decode_header_text
from helpline.channels.email.parsed import ParsedAttachment


class Body:
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


def note_defects(msg: Message, problems: list[str]) -> None:
    for part in msg.walk():
        for defect in getattr(part, "defects", ()):
            text = _DEFECTS.get(type(defect))
            if text:
                problems.append(text)
