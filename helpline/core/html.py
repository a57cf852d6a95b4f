"""HTML from outside: sanitised for display, or read as plain text.

Not tied to a channel: email bodies, replies written in the desk and anything else
that carries HTML go through here. Sanitising is nh3's (an allow-list of tags and
attributes); the plain-text reading is the standard library's ``html.parser``.

Both are fast on ordinary HTML but not on hostile HTML: html5ever (under nh3) is
quadratic in the nesting depth (100,000 nested ``<div>`` took 30 s), and
``html.parser`` reads about 1 MB a second here. Whoever takes HTML from outside
measures it first with ``html_depth`` (linear, a regular expression) and reads HTML
too deep or too large with ``html_as_plain_text`` (linear) instead; the email parser
does (``helpline/channels/email/parse.py``, its limits are documented there).
"""

import re
from html import unescape
from html.parser import HTMLParser

import nh3

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "table": {"border", "cellpadding", "cellspacing", "width"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type"},
    "font": {"color"},
    "blockquote": {"cite"},
    "*": {"align", "dir", "lang", "title"},
}


def _attribute_filter(tag: str, attr: str, value: str):
    if tag == "img" and attr == "src":
        lowered = value.strip().lower()
        return value if lowered.startswith(("cid:", "https:")) else None
    return value


def sanitize_html(html: str) -> str:
    """Formatting, tables and images (cid: and https: only); no scripts, styles, events."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "noscript", "template"},
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "cid", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "caption",
    }
)
_PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})
_WS = re.compile(r"[ \t\n\r\f\v]+")


class _HTMLText(HTMLParser):
    """HTML to plain text: block elements become line breaks, blockquotes "> "."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, list[str]]] = []
        self.current: list[str] | None = None
        self.quote = 0
        self.skip = 0
        self.pre = 0
        self.current_quote = 0

    def _newline(self):
        """End the current line (a block boundary); no empty lines are added."""
        if self.current is not None:
            self.lines.append((self.current_quote, self.current))
            self.current = None

    def _paragraph(self):
        """End the current line and leave one empty line after a paragraph."""
        self._newline()
        if self.lines and self.lines[-1][1]:
            self.lines.append((self.quote, []))

    def _break(self):
        """An explicit line break: ends the line, or adds an empty one."""
        if self.current is None:
            self.lines.append((self.quote, []))
        else:
            self._newline()

    def _emit(self, text: str):
        if self.current is None:
            if not self.pre:
                text = text.lstrip()
                if not text:
                    return
            self.current = []
            self.current_quote = self.quote
        self.current.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "br":
            self._break()
        elif tag in _BLOCK_TAGS:
            self._newline()
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self._emit("- ")
        elif tag in ("td", "th") and self.current:
            self.current.append("\t")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            if tag in _PARAGRAPH_TAGS:
                self._paragraph()
            else:
                self._newline()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img"):
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self.skip:
            return
        if self.pre:
            for i, part in enumerate(data.split("\n")):
                if i:
                    self._break()
                if part:
                    self._emit(part)
            return
        text = _WS.sub(" ", data)
        if text.strip() or self.current is not None:
            self._emit(text)

    def text(self) -> str:
        self.close()
        self._newline()
        out: list[str] = []
        blank = 0
        for quote, chunks in self.lines:
            line = "".join(chunks).rstrip()
            if not self.pre:
                line = line.replace("\xa0", " ").rstrip()
            if not line:
                blank += 1
                if blank > 1:
                    continue
                out.append(">" * quote if quote else "")
                continue
            blank = 0
            out.append(("> " * quote if quote else "") + line)
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(html)
        return parser.text()
    except Exception:  # noqa: BLE001 - html.parser is lenient, but never lose the body
        return _WS.sub(" ", re.sub(r"<[^>]*>", " ", html)).strip()


# Elements that never nest: void elements, and those whose end tag is optional (the next
# one closes the previous: <p>, <li>, <td>...). The others count towards the depth.
_NOT_NESTING = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "dt",
        "dd",
        "td",
        "th",
        "tr",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "option",
        "optgroup",
        "rb",
        "rt",
        "rtc",
        "rp",
    }
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")


def html_depth(html: str, stop_at: int | None = None) -> int:
    """How deeply the elements of this HTML nest, measured in linear time.

    Open tags minus end tags, never below zero; void elements, self-closed tags
    and elements whose end tag is optional do not count. An upper bound of what
    an HTML5 parser builds (it may close some unclosed elements earlier).
    With ``stop_at``, returns as soon as the depth reaches it.
    """
    depth = deepest = 0
    for m in _TAG.finditer(html):
        name = m.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if m.group(1):
            if depth:
                depth -= 1
        elif not m.group(3):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest == stop_at:
                    break
    return deepest


_SKIPPED_CONTENT = re.compile(
    r"<(script|style|head|title|noscript|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_LINE_TAG = re.compile(
    r"<(?:br|/?(?:p|div|h[1-6]|li|tr|table|blockquote|pre|ul|ol|dl|dt|dd|hr|section|article))"
    r"\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\f\v\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


def html_as_plain_text(html: str) -> str:
    """The text of HTML in linear time, for HTML too deep or too large to parse.

    Coarser than ``html_to_text`` (block tags become line breaks; no quoting, no
    lists), but regular expressions only, whatever the nesting.
    """
    text = _SKIPPED_CONTENT.sub(" ", html)
    text = _LINE_TAG.sub("\n", text)
    text = unescape(_ANY_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    text = "\n".join(line for line in lines if line)
    return _BLANK_LINES.sub("\n\n", text).strip()
