"""The new part of a reply: text without quoted history and signature.

Built on mail-parser-reply (``mailparser_reply``), chosen over email-reply-parser by
measured accuracy on the real-world fixtures (see tests/channels/email/
test_fixture_accuracy.py). The library finds reply headers ("On ... wrote:",
Outlook "From: ... Sent: ..." blocks, "-----Original Message-----", localized
variants) in many languages; this module adds a few small fixes on top:

* the compiled regexes are cached per language set (the library rebuilds them for
  every message);
* a signature match is accepted only when it looks like a sign-off: the keyword ends
  at a word boundary ("Tak" is not "Take"), the line is short and is not a
  sentence followed by more text, and a "- Name" line is not part of a list;
* ">"-quoted lines left in the new part are dropped (inline replies keep their
  answers, not the quoted lines between them);
* a standalone "Disclaimer" heading ends the new part; trailing separator lines
  ("-----", "_____") are removed;
* the original indentation, which the library strips, is restored;
* Russian and Ukrainian reply headers are added, and a header a client wrapped over
  two lines is found by trying the two lines joined.
"""

import re
from collections.abc import Iterator
from functools import lru_cache

from mailparser_reply import EmailMessage
from mailparser_reply.constants import (
    MAIL_LANGUAGE_DEFAULT,
    MAIL_LANGUAGES,
    OUTLOOK_MAIL_SEPARATOR,
)

ALL_LANGUAGES = tuple(MAIL_LANGUAGES)

_QUOTE_PREFIX = re.compile(r"^(?:> ?)+")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+\w")
_HYPHEN_LINE = re.compile(r"^(?:> ?)*- ?\w")
_DISCLAIMER_HEADING = re.compile(
    r"^[ \t*_]*(?:disclaimer|legal notice|confidentiality notice|haftungsausschluss"
    r"|avertissement|aviso legal)[ \t*_:]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SEPARATOR_LINE = re.compile(r"^[-_=*~—–\s]+$")
_SLASH_NAME = re.compile(r"^/\w+\s*$")

MAX_SIGNOFF_LINE = 60
HEADER_SEARCH_CHARS = 12000
MAX_SIGNATURE_NEXT_LINE = 80


def _languages_for(language_hint: str | None) -> tuple[str, ...]:
    if language_hint:
        hint = language_hint.strip().lower().replace("_", "-").split("-")[0]
        if hint in MAIL_LANGUAGES:
            return tuple(dict.fromkeys([hint, MAIL_LANGUAGE_DEFAULT]))
    return ALL_LANGUAGES


# Reply headers the library misses (its Spanish pattern wants two spaces before
# "escribió"; Portuguese and Italian Gmail headers are not covered; it has no Russian
# or Ukrainian: Android's "4 дек. 2026 г. 10:00 пользователь "Name" <a@b> написал:",
# Apple Mail's "..., Name <a@b> написал(а):", Thunderbird's "04.12.2026 10:00, Name
# пишет:", Gmail's "пт, 4 дек. 2026 г. в 10:00, Name <a@b>:", Outlook's separator).
_EXTRA_HEADERS = (
    r"^((?:> ?)*El\s.+\sescribi[óo]:)$",
    r"^((?:> ?)*Em\s.+\sescreveu:)$",
    r"^((?:> ?)*Il giorno\s.+\sha scritto:)$",
    r"^((?:> ?)*.*\d{1,2}:\d{2}.*\s(?:написал(?:\(а\)|а)?|пишет|пише|написав(?:\(ла\)|ла)?):)$",
    r"^((?:> ?)*(?:пн|вт|ср|чт|пт|сб|вс|нд),\s\d{1,2}\s\S+\s\d{4}\s[гр]\.\s(?:в|о)\s"
    r"\d{1,2}:\d{2},?\s.+:)$",
    r"^((?:> ?)*-{2,}\s?(?:Исходное|Оригинальное|Пересылаемое) сообщение\s?-{2,})$",
)


@lru_cache(maxsize=32)
def _regexes(languages: tuple[str, ...]):
    proto = EmailMessage(text="", languages=list(languages))
    header_re = re.compile(
        "|".join([proto.HEADER_REGEX.pattern, *_EXTRA_HEADERS]), re.MULTILINE | re.IGNORECASE
    )
    keywords = []
    for lang in languages:
        for kw in MAIL_LANGUAGES[lang].get("signatures") or []:
            if kw == r"/\w+":
                continue  # Swedish "/John": handled by _SLASH_NAME
            keywords.append(kw)
    keyword_re = (
        re.compile(r"^(?:> ?)*(?:" + "|".join(keywords) + r")", re.IGNORECASE) if keywords else None
    )
    # the library's signature regex ends in "(.|\s)*" to swallow the rest of the text,
    # one character at a time; only the start is needed here
    signature = proto.SIGNATURE_REGEX.pattern
    tail = r"(.|\s)*)"
    if signature.endswith(tail):
        signature = signature[: -len(tail)] + ")"
    signature_re = re.compile(signature, proto.SIGNATURE_REGEX.flags)
    return header_re, signature_re, proto.DISCLAIMERS_REGEX, keyword_re


def _non_empty_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _plausible_signature(content: str, start: int, keyword_re, languages) -> bool:
    """Is the signature match starting at ``start`` a real sign-off?"""
    lines = content[start:].lstrip("\n").split("\n")
    first = lines[0].strip()
    bare = _QUOTE_PREFIX.sub("", first).strip()
    if bare in ("--", "__", "-- ", ""):
        return True
    if len(bare) > MAX_SIGNOFF_LINE or _SENTENCE_BREAK.search(bare):
        return False
    if keyword_re is not None:
        m = keyword_re.match(first)
        if m and m.end() < len(first) and (first[m.end()].isalnum() or first[m.end()] == "_"):
            # "Tak" matched "Take ..." or "Thanks" matched "Thanksgiving"
            return False
    if bare.startswith("/") and not (_SLASH_NAME.match(bare) and "sv" in languages):
        return False
    if _HYPHEN_LINE.match(first):
        # "- item" lines in a list are not a "-Name" signature
        following = _non_empty_lines("\n".join(lines[1:]))
        before = _non_empty_lines(content[:start])
        if (following and _HYPHEN_LINE.match(following[0].strip())) or any(
            _HYPHEN_LINE.match(line.strip()) for line in before[-3:]
        ):
            return False
    following = _non_empty_lines("\n".join(lines[1:]))
    return not (following and len(following[0].strip()) > MAX_SIGNATURE_NEXT_LINE)


def _find_signature(content: str, signature_re, keyword_re, languages) -> int:
    pos = 0
    while True:
        m = signature_re.search(content, pos)
        if not m:
            return -1
        start = m.start()
        # the match may begin with blank lines; the signature starts at its first text
        text_start = start + (len(m.group()) - len(m.group().lstrip()))
        if _plausible_signature(content, text_start, keyword_re, languages):
            return start
        nl = content.find("\n", text_start)
        if nl < 0:
            return -1
        pos = nl + 1


def _restore_indentation(body_lines: list[str], original_lines: list[str]) -> list[str]:
    """The library strips every line; put back the original leading whitespace."""
    out = []
    j = 0
    for line in body_lines:
        stripped = line.strip()
        k = j
        while k < len(original_lines) and original_lines[k].strip() != stripped:
            k += 1
        if k < len(original_lines):
            out.append(original_lines[k].rstrip())
            j = k + 1
        else:
            out.append(line)
    return out


def _line_matches(text: str, header_re) -> Iterator[tuple[int, int, str]]:
    """(start, end, header text) of each reply header in ``text``, tried at line starts.

    Every header pattern is anchored at a line start ("^" or a leading "\\n"), so
    trying each line (and the newline before it) finds the same headers as a
    scan of every character, several times faster with all languages enabled. A
    header a mail client wrapped over two lines ("... пользователь "Name" <a@b>" /
    "написал:") is found by trying the two lines joined.
    """
    pos = 0
    end = len(text)
    while pos < end:
        # a quoted header ("> From: ...") only matches from the newline before it
        quoted = pos and text.startswith(">", pos)
        m = (header_re.match(text, pos - 1) if quoted else None) or header_re.match(text, pos)
        if m and m.end() > m.start():
            found = next((g for g in m.groups() if g), m.group(0))
            position = text.find(found, m.start())
            yield (position if position >= 0 else m.start()), m.end(), found
            pos = m.end()
            if pos < end and text[pos - 1] != "\n":
                newline = text.find("\n", pos)
                if newline < 0:
                    return
                pos = newline + 1
            continue
        newline = text.find("\n", pos)
        if newline < 0:
            return
        wrapped_end = _wrapped_header_end(text, pos, newline, header_re)
        if wrapped_end:
            yield pos, wrapped_end, text[pos:wrapped_end]
            pos = wrapped_end
            continue
        pos = newline + 1


MAX_WRAPPED_HEADER = 300


def _wrapped_header_end(text: str, pos: int, newline: int, header_re) -> int:
    """The end of a reply header starting at ``pos`` and wrapped onto the next line; 0."""
    first = text[pos:newline]
    second_end = text.find("\n", newline + 1)
    second_end = len(text) if second_end < 0 else second_end
    second = text[newline + 1 : second_end]
    if (
        not first.strip()
        or not second.rstrip().endswith((":", "："))
        or first.rstrip().endswith((":", "："))
        or len(first) + len(second) > MAX_WRAPPED_HEADER
        or header_re.match(text, newline + 1)  # the second line is a header by itself
    ):
        return 0
    if first.startswith(">"):
        second = _QUOTE_PREFIX.sub("", second)
    joined = first.rstrip() + " " + second.strip()
    m = header_re.match(joined)
    return second_end if m and m.end() == len(joined) else 0


def _has_own_text(fragment: str) -> bool:
    return any(line.strip() and not line.startswith(">") for line in fragment.split("\n"))


def _first_reply(text: str, header_re) -> tuple[str, str]:
    """(header, content) of the latest reply: what mail-parser-reply calls replies[0].

    The same split as ``EmailMessage.read()``, with two differences: a fragment
    with nothing but its header and ">" lines, followed by a quoted header
    ("> On ... wrote:"), is skipped, so the answers of an inline reply that starts
    with "On ... wrote:" are found; and the search
    stops at the first fragment with text of its own. Headers are looked for in
    the first HEADER_SEARCH_CHARS characters only: the library's regexes cost
    about 3 microseconds per character with all languages enabled.
    """
    start = 0
    header = ""
    window = text[:HEADER_SEARCH_CHARS]
    for position, _end, found in _line_matches(window, header_re):
        own_text = _has_own_text(text[start + len(header) : position])
        if own_text or (header and not found.startswith(">")):
            return header, text[start:position]
        start, header = position, found
    return header, text[start:]


def _normalize(text: str) -> str:
    """What the library does to a body before splitting it (see EmailMessage)."""
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(f"([^\n]){OUTLOOK_MAIL_SEPARATOR}", "\\1\n", text)


def extract_new_text(text: str, language_hint: str | None = None) -> str:
    """The latest reply in ``text``: no quoted history, no signature."""
    if not text or not text.strip():
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    languages = _languages_for(language_hint)
    header_re, signature_re, disclaimers_re, keyword_re = _regexes(languages)
    header, content = _first_reply(_normalize(text), header_re)
    content = content.strip()
    header = header.strip()
    if header and content.startswith(header):
        content = content[len(header) :]
    # quoted lines go first: a quoted "Regards," must not cut a bottom-posted answer
    content = "\n".join(line for line in content.split("\n") if not line.startswith(">"))
    sig = _find_signature(content, signature_re, keyword_re, languages)
    if sig >= 0:
        content = content[:sig]
    m = _DISCLAIMER_HEADING.search(content)
    if m and m.start() > 0:
        content = content[: m.start()]
    for disclaimer in disclaimers_re.findall(content):
        if disclaimer.strip():
            content = content.replace(disclaimer.strip(), "")

    lines = content.split("\n")
    while lines and (not lines[-1].strip() or _SEPARATOR_LINE.match(lines[-1])):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return ""
    return "\n".join(_restore_indentation(lines, text.split("\n"))).strip("\n")
