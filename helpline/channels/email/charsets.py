"""Bytes in a declared charset -> text, surviving wrong and missing declarations.

The fallback chain: the declared charset (through aliases to the codec mail
software actually means), then UTF-8, then detection (charset-normalizer, only when
both failed), then Windows-1252 with replacement. Every guess is reported back as a
problem, for the caller to note.
"""

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
