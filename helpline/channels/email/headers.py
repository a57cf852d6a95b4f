"""Raw header values: unfolded, and RFC 2047 encoded-words decoded leniently.

Decoding the raw values ourselves is faster than the ``policy.default`` header objects
and survives malformed encoded-words; raw 8-bit header bytes are read as UTF-8.
"""

import base64
import binascii
import re
from email.message import Message

from helpline.channels.email.charsets import decode_bytes


class HeaderView:
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


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_QP_HEADER = re.compile(rb"=([0-9A-Fa-f]{2})")


def decode_header_text(value: str, problems: list[str] | None = None) -> str:
    """Decode RFC 2047 encoded-words leniently; raw 8-bit text is read as UTF-8."""
    value = decode_8bit_header(value)
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


def decode_8bit_header(value: str) -> str:
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
