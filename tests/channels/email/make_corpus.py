# ruff: noqa: E501 - corpus data: long literal mail lines read better unbroken
"""Write the parser's test corpus: tests/channels/email/corpus/*.eml + expected.json.

Every message here was written for Helpline (no third-party mail). Run it again
after changing a case: ``python tests/channels/email/make_corpus.py``. Each case
is the raw bytes plus the expectations test_parse_corpus.py asserts:

  from, to, cc (emails), subject, message_id, in_reply_to, references,
  text_contains, text_not_contains, text_exact, new_text_contains,
  new_text_not_contains, new_text_exact, html_contains, html_not_contains,
  attachments ([{filename, content_type, inline, content_id, size}], exact list),
  kind, bounced_recipients, bounced_message_id, problems_contains (substrings
  that must appear in some problem), no_problems_contains, date (ISO) or null.
"""

import base64
import json
import quopri
from pathlib import Path

HERE = Path(__file__).resolve().parent / "corpus"
CASES: dict[str, tuple[bytes, dict]] = {}

STD = [
    ("From", "Customer <customer@example.com>"),
    ("To", "Support <support@helpline.test>"),
    ("Date", "Mon, 06 Jan 2025 10:00:00 +0100"),
]


def headers(pairs) -> bytes:
    out = b""
    for name, value in pairs:
        if isinstance(value, str):
            value = value.encode("utf-8")
        out += name.encode() + b": " + value + b"\n"
    return out


def msg(name: str, pairs, body: bytes | str, expect: dict, *, std=True, mid=True):
    if isinstance(body, str):
        body = body.encode("utf-8")
    pairs = list(pairs)
    names = {n.lower() for n, _ in pairs}
    if std:
        pairs = [p for p in STD if p[0].lower() not in names] + pairs
    if mid and "message-id" not in names:
        pairs.append(("Message-ID", f"<{name}@corpus.helpline.test>"))
    CASES[name] = (headers(pairs) + b"\n" + body, expect)


def text_part(text: str, charset="utf-8", cte="8bit", subtype="plain", extra=b"") -> bytes:
    data = text.encode(charset)
    if cte == "base64":
        data = base64.encodebytes(data)
    elif cte == "quoted-printable":
        data = quopri.encodestring(data)
    return (
        f"Content-Type: text/{subtype}; charset={charset}\nContent-Transfer-Encoding: {cte}\n".encode()
        + extra
        + b"\n"
        + data
    )


def multipart(subtype: str, boundary: str, *parts: bytes, extra: str = "") -> bytes:
    out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{extra}\n\n'.encode()
    out += b"This is a multi-part message in MIME format.\n"
    for part in parts:
        out += f"\n--{boundary}\n".encode() + part.rstrip(b"\n") + b"\n"
    out += f"\n--{boundary}--\n".encode()
    return out


def split(part: bytes) -> tuple[list, bytes]:
    """Top-level message from a part: its headers become message headers."""
    head, _, body = part.partition(b"\n\n")
    pairs = [tuple(line.split(": ", 1)) for line in head.decode().split("\n") if ": " in line]
    # continuation lines of multipart headers are not used in this corpus
    return [(n, v) for n, v in pairs], body


def binary_part(
    ctype: str,
    data: bytes,
    filename: str | None = None,
    disposition="attachment",
    content_id: str | None = None,
    name_param: str | None = None,
) -> bytes:
    head = f"Content-Type: {ctype}"
    if name_param:
        head += f'; name="{name_param}"'
    head += "\nContent-Transfer-Encoding: base64\n"
    if disposition:
        head += f"Content-Disposition: {disposition}"
        if filename:
            head += f'; filename="{filename}"'
        head += "\n"
    if content_id:
        head += f"Content-ID: <{content_id}>\n"
    return head.encode() + b"\n" + base64.encodebytes(data)


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# ------------------------------------------------------------------ charsets

msg(
    "charset-utf8",
    [
        ("Subject", "Order status"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Hello, my order #1234 hasn't arrived. Ça va? Straße, naïve, 😀.\n",
    {
        "from": "customer@example.com",
        "to": ["support@helpline.test"],
        "subject": "Order status",
        "text_contains": ["Ça va? Straße, naïve, 😀."],
        "kind": "normal",
        "no_problems_contains": ["charset"],
        "date": "2025-01-06T10:00:00+01:00",
    },
)
msg(
    "charset-iso-8859-1-qp",
    [
        ("Subject", "Rechnung"),
        ("Content-Type", "text/plain; charset=ISO-8859-1"),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ],
    quopri.encodestring(
        "Grüße aus Köln, die Rechnung über 50 € fehlt.\n".replace("€", "EUR").encode("latin-1")
    ),
    {
        "text_contains": ["Grüße aus Köln, die Rechnung über 50 EUR fehlt."],
        "no_problems_contains": ["charset"],
    },
)
msg(
    "charset-windows-1252",
    [
        ("Subject", "Quotes"),
        ("Content-Type", "text/plain; charset=windows-1252"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "It’s “broken” – costs 20 € … really.\n".encode("cp1252"),
    {
        "text_contains": ["It’s “broken” – costs 20 € … really."],
        "no_problems_contains": ["charset"],
    },
)
msg(
    "charset-iso-8859-1-really-1252",
    [
        ("Subject", "Smart quotes"),
        ("Content-Type", "text/plain; charset=iso-8859-1"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Outlook says “hello” and costs 5 €.\n".encode("cp1252"),
    {"text_contains": ["“hello”", "5 €"]},
)
msg(
    "charset-shift-jis",
    [
        ("Subject", "=?ISO-2022-JP?B?GyRCJCpMZCQkOWckbyQ7GyhC?="),
        ("Content-Type", "text/plain; charset=Shift_JIS"),
        ("Content-Transfer-Encoding", "base64"),
    ],
    base64.encodebytes("いつもお世話になっております。注文の件です。①\n".encode("cp932")),
    {
        "subject": "お問い合わせ",
        "text_contains": ["いつもお世話になっております。注文の件です。①"],
        "no_problems_contains": ["charset"],
    },
)
msg(
    "charset-iso-2022-jp",
    [
        ("Subject", "=?iso-2022-jp?B?GyRCOF4/LhsoQg==?="),
        ("Content-Type", "text/plain; charset=iso-2022-jp"),
        ("Content-Transfer-Encoding", "7bit"),
    ],
    "返品の手続きをお願いします。\n".encode("iso2022_jp"),
    {"text_contains": ["返品の手続きをお願いします。"]},
)
msg(
    "charset-gb2312",
    [
        ("Subject", "=?gb2312?B?xPq6w6Osx+u4/NDC0rvPwg==?="),
        ("Content-Type", "text/plain; charset=gb2312"),
        ("Content-Transfer-Encoding", "base64"),
    ],
    base64.encodebytes("您好，我的订单还没有到。请帮忙查一下。\n".encode("gb18030")),
    {
        "subject": "您好，请更新一下",
        "text_contains": ["您好，我的订单还没有到。请帮忙查一下。"],
        "no_problems_contains": ["charset"],
    },
)
msg(
    "charset-gb2312-really-gbk",
    [
        ("Subject", "GBK"),
        ("Content-Type", "text/plain; charset=gb2312"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "镕基先生，您好\n".encode("gbk"),
    {"text_contains": ["镕基先生，您好"]},
)
msg(
    "charset-koi8-r",
    [
        ("Subject", "=?koi8-r?B?98/Q0s/T?="),
        ("Content-Type", "text/plain; charset=koi8-r"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Здравствуйте! Заказ не пришёл.\n".encode("koi8-r"),
    {
        "subject": "Вопрос",
        "text_contains": ["Здравствуйте! Заказ не пришёл."],
        "no_problems_contains": ["charset"],
    },
)
msg(
    "charset-wrong-us-ascii",
    [
        ("Subject", "Wrong charset"),
        ("Content-Type", "text/plain; charset=us-ascii"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Crème brûlée is on the menu.\n",
    {
        "text_contains": ["Crème brûlée is on the menu."],
        "problems_contains": ["declared charset us-ascii was wrong; decoded as utf-8"],
    },
)
msg(
    "charset-wrong-latin1-is-utf8",
    [
        ("Subject", "Mislabelled"),
        ("Content-Type", "text/plain; charset=iso-8859-1"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Müller & Söhne, résumé attached.\n",
    {
        "text_contains": ["Müller & Söhne, résumé attached."],
        "problems_contains": ["declared charset iso-8859-1 was wrong; decoded as utf-8"],
    },
)
msg(
    "charset-unknown",
    [
        ("Subject", "Unknown"),
        ("Content-Type", "text/plain; charset=x-no-such-charset"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Ångström units, please.\n",
    {
        "text_contains": ["Ångström units, please."],
        "problems_contains": ["unknown charset x-no-such-charset; decoded as utf-8"],
    },
)
msg(
    "charset-missing-8bit",
    [
        ("Subject", "No charset"),
        ("Content-Type", "text/plain"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "Das Gerät ist defekt. Bitte um Rückruf wegen der Größe und Qualität der Lieferung.\n".encode(
        "latin-1"
    ),
    {
        "text_contains": ["Das Ger", "defekt. Bitte um R"],
        "problems_contains": ["no charset declared; decoded as"],
    },
)
msg(
    "charset-wrong-shift-jis-is-euc",
    [
        ("Subject", "EUC"),
        ("Content-Type", "text/plain; charset=shift_jis"),
        ("Content-Transfer-Encoding", "8bit"),
    ],
    "日本語のメールです。よろしくお願いします。配送状況を教えてください。\n".encode("euc_jp"),
    {
        "text_contains": ["よろしくお願いします"],
        "problems_contains": ["declared charset shift_jis was wrong"],
    },
)

# ------------------------------------------------------------------ headers

msg(
    "header-rfc2047-b-q",
    [
        ("From", "=?ISO-8859-1?Q?J=FCrgen_M=FCller?= <Juergen.Mueller@Example.DE>"),
        ("To", "=?UTF-8?B?U3VwcG9ydCBUZWFt?= <SUPPORT@helpline.test>, plain@example.org"),
        ("Cc", '"Doe, Jane" <jane@example.org>, =?utf-8?q?Bj=C3=B6rn?= <bjorn@example.se>'),
        ("Reply-To", "Replies <replies@example.de>"),
        ("Subject", "=?UTF-8?B?UmU6IEfDvG50ZXIncyBvcmRlcg==?= =?UTF-8?Q?_=E2=80=94_urgent?="),
    ],
    "Body.\n",
    {
        "from": "juergen.mueller@example.de",
        "from_name": "Jürgen Müller",
        "to": ["support@helpline.test", "plain@example.org"],
        "to_names": ["Support Team", ""],
        "cc": ["jane@example.org", "bjorn@example.se"],
        "cc_names": ["Doe, Jane", "Björn"],
        "reply_to": ["replies@example.de"],
        "subject": "Re: Günter's order — urgent",
    },
)
msg(
    "header-malformed-encoded-words",
    [
        (
            "Subject",
            "=?utf-8?B?w6lsw6h2ZQ?=suffix and =?utf-8?q?caf=C3=A9?= =?utf-8?B?5pel5pys?= "
            "=?utf-8?B?6Kqe?= =?x-unknown?q?odd?= =?utf-8?B?###?=",
        )
    ],
    "Body.\n",
    {"subject_contains": ["élève", "suffix", "café", "日本語", "odd"]},
)
msg(
    "header-raw-8bit",
    [("Subject", "Größe stimmt nicht"), ("From", "Zoë Ünal <zoe@example.com>")],
    "Body.\n",
    {"subject": "Größe stimmt nicht", "from": "zoe@example.com", "from_name": "Zoë Ünal"},
)
msg(
    "header-folded-subject",
    [("Subject", "A very long subject that\n   was folded\n\tby a mail client")],
    "Body.\n",
    {"subject": "A very long subject that was folded by a mail client"},
)
msg(
    "header-message-ids-junk",
    [
        ("Subject", "Re: ids"),
        ("Message-ID", "no-brackets-123@mail.example.com"),
        ("In-Reply-To", "<first@example.com> (sent by Alice) <second@example.com>"),
        ("References", "<root@example.com>\n <middle@example.com> junk text\n\tbare@example.com"),
    ],
    "Body.\n",
    {
        "message_id": "no-brackets-123@mail.example.com",
        "in_reply_to": ["first@example.com", "second@example.com"],
        "references": ["root@example.com", "middle@example.com"],
    },
)
msg(
    "header-references-bare",
    [
        ("Subject", "Re: bare"),
        ("In-Reply-To", "parent@example.com"),
        ("References", "grand@example.com parent@example.com"),
    ],
    "Body.\n",
    {
        "in_reply_to": ["parent@example.com"],
        "references": ["grand@example.com", "parent@example.com"],
    },
)
msg(
    "header-missing",
    [("From", "someone@example.com"), ("Subject", "Missing headers")],
    "No To, no Date, no Message-ID.\n",
    {
        "from": "someone@example.com",
        "to": [],
        "problems_contains": ["no Message-ID header", "no Date header", "no To header"],
        "date": None,
    },
    std=False,
    mid=False,
)
msg(
    "header-bad-date",
    [("Date", "yesterday at noon, probably"), ("Subject", "Bad date")],
    "Body.\n",
    {"date": None, "problems_contains": ["date header unparseable"]},
)
msg(
    "header-no-from",
    [("To", "support@helpline.test"), ("Subject", "Who am I")],
    "Body.\n",
    {"from": None, "problems_contains": ["no From header"]},
    std=False,
)
msg(
    "header-from-unusable",
    [("From", "Just A Name"), ("Subject", "Name only")],
    "Body.\n",
    {"from": "", "problems_contains": ["From header has no usable address"]},
)
msg(
    "header-undisclosed-recipients",
    [
        ("To", "undisclosed-recipients:;"),
        ("Bcc", "support@helpline.test"),
        ("Subject", "Undisclosed"),
    ],
    "Body.\n",
    {"to": []},
)
msg(
    "header-crlf-line-endings",
    [],
    b"",
    {},
)
CASES["header-crlf-line-endings"] = (
    b"From: Crlf User <crlf@example.com>\r\nTo: support@helpline.test\r\nSubject: CRLF message\r\n"
    b"Date: Tue, 07 Jan 2025 08:00:00 -0500\r\nMessage-ID: <crlf@example.com>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nLine one.\r\nLine two.\r\n",
    {
        "from": "crlf@example.com",
        "subject": "CRLF message",
        "text_exact": "Line one.\nLine two.",
        "date": "2025-01-07T08:00:00-05:00",
    },
)
msg(
    "header-no-blank-line",
    [],
    b"",
    {},
)
CASES["header-no-blank-line"] = (
    b"From: a@example.com\nSubject: no separator\nThis line is not a header and has no blank line before it.\n",
    {"from": "a@example.com", "subject": "no separator", "problems_contains": ["no blank line"]},
)

# ------------------------------------------------------------------ content types and structure

msg(
    "ctype-malformed",
    [("Subject", "Malformed type"), ("MIME-Version", "1.0"), ("Content-Type", "text")],
    "Treated as plain text.\n",
    {
        "text_contains": ["Treated as plain text."],
        "problems_contains": ["malformed Content-Type 'text'; treated as text/plain"],
    },
)
msg(
    "ctype-missing",
    [("Subject", "No content type")],
    "Plain by default.\n",
    {"text_exact": "Plain by default.", "new_text_exact": "Plain by default."},
)
msg(
    "html-only",
    [
        ("Subject", "HTML only"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/html; charset=utf-8"),
    ],
    "<html><head><title>T</title><style>p{color:red}</style></head><body><h1>Hello</h1><p>First&nbsp;paragraph "
    "with <b>bold</b> text.</p><div>Second block</div><ul><li>one</li><li>two</li></ul>"
    "<table><tr><td>a</td><td>b</td></tr></table></body></html>\n",
    {
        "text_contains": [
            "Hello\n",
            "First paragraph with bold text.",
            "\nSecond block",
            "- one",
            "- two",
        ],
        "text_not_contains": ["color:red", "<b>", "T\n"],
        "html_contains": ["<h1>Hello</h1>", "<b>bold</b>", "<table>"],
        "html_not_contains": ["<style", "<title"],
    },
)
msg(
    "html-xss",
    [("Subject", "XSS"), ("MIME-Version", "1.0"), ("Content-Type", "text/html; charset=utf-8")],
    '<p onclick="steal()">Hi</p><script>alert(1)</script><a href="javascript:alert(2)">x</a>'
    '<img src="http://tracker.example.com/p.gif"><img src="https://cdn.example.com/logo.png" onerror="x()">'
    '<img src="cid:logo@x"><a href="https://example.com/help">help</a><iframe src="https://evil"></iframe>'
    '<div style="position:fixed">styled</div>\n',
    {
        "html_not_contains": [
            "onclick",
            "<script",
            "alert(1)",
            "javascript:",
            "http://tracker",
            "onerror",
            "<iframe",
            "position:fixed",
        ],
        "html_contains": [
            'src="https://cdn.example.com/logo.png"',
            'src="cid:logo@x"',
            'href="https://example.com/help"',
        ],
        "text_contains": ["Hi", "styled"],
    },
)
_alt = multipart(
    "alternative",
    "alt-1",
    text_part("Plain version of the message.\n"),
    text_part("<p>HTML version of the <i>message</i>.</p>\n", subtype="html"),
)
_h, _b = split(_alt)
msg(
    "multipart-alternative",
    [("Subject", "Alternative"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "text_exact": "Plain version of the message.",
        "html_contains": ["<i>message</i>"],
        "attachments": [],
    },
)
_nested = multipart(
    "mixed",
    "mix-outer",
    multipart(
        "alternative",
        "mix-alt",
        text_part("See the attached invoice and photo.\n"),
        text_part("<p>See the attached <b>invoice</b> and photo.</p>", subtype="html"),
    ),
    binary_part("application/pdf", PDF, filename="invoice 2025.pdf"),
    multipart(
        "mixed",
        "mix-inner",
        binary_part("image/png", PNG, filename="photo.png"),
        text_part(
            "notes inside\n", extra=b'Content-Disposition: attachment; filename="notes.txt"\n'
        ),
    ),
)
_h, _b = split(_nested)
msg(
    "multipart-nested-mixed",
    [("Subject", "Nested"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "text_exact": "See the attached invoice and photo.",
        "html_contains": ["<b>invoice</b>"],
        "attachments": [
            {
                "filename": "invoice 2025.pdf",
                "content_type": "application/pdf",
                "inline": False,
                "size": len(PDF),
            },
            {
                "filename": "photo.png",
                "content_type": "image/png",
                "inline": False,
                "size": len(PNG),
            },
            {"filename": "notes.txt", "content_type": "text/plain", "inline": False},
        ],
    },
)
_related = multipart(
    "alternative",
    "rel-alt",
    text_part("Logo below.\n"),
    multipart(
        "related",
        "rel-rel",
        text_part(
            '<p>Logo below.</p><img src="cid:logo123@helpline.test" alt="logo">', subtype="html"
        ),
        binary_part(
            "image/png",
            PNG,
            filename="logo.png",
            disposition="inline",
            content_id="logo123@helpline.test",
        ),
    ),
)
_h, _b = split(_related)
msg(
    "multipart-related-inline-cid",
    [("Subject", "Inline image"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "text_exact": "Logo below.",
        "html_contains": ['src="cid:logo123@helpline.test"'],
        "attachments": [
            {
                "filename": "logo.png",
                "content_type": "image/png",
                "inline": True,
                "content_id": "logo123@helpline.test",
            }
        ],
    },
)
_related2 = multipart(
    "related",
    "rel2",
    text_part('<p>Chart:</p><img src="cid:chart">', subtype="html"),
    binary_part("image/gif", b"GIF89a\x01\x00\x01\x00", disposition=None, content_id="chart"),
)
_h, _b = split(_related2)
msg(
    "multipart-related-no-filename",
    [("Subject", "Inline without name"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "text_contains": ["Chart:"],
        "attachments": [
            {
                "filename": "attachment-1.gif",
                "content_type": "image/gif",
                "inline": True,
                "content_id": "chart",
            }
        ],
    },
)
_inner = (
    b"From: Original Sender <orig@example.net>\nTo: customer@example.com\nSubject: Delivery delayed\n"
    b"Message-ID: <orig-1@example.net>\nDate: Sun, 05 Jan 2025 09:00:00 +0000\n"
    b"Content-Type: text/plain; charset=utf-8\n\nYour parcel is delayed.\n"
)
_fwd = multipart(
    "mixed",
    "fwd-1",
    text_part("Please see the forwarded message below.\n"),
    b"Content-Type: message/rfc822\nContent-Disposition: inline\n\n" + _inner,
)
_h, _b = split(_fwd)
msg(
    "forwarded-rfc822",
    [("Subject", "Fwd: Delivery delayed"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "text_contains": ["Please see the forwarded message below."],
        "text_not_contains": ["Your parcel is delayed"],
        "attachments": [{"filename": "Delivery delayed.eml", "content_type": "message/rfc822"}],
        "attachment_contains": {"Delivery delayed.eml": "Your parcel is delayed."},
        "kind": "normal",
    },
)
_fwd2 = multipart(
    "mixed",
    "fwd-2",
    text_part("FYI\n"),
    b"Content-Type: message/rfc822\n\nSubject: \nFrom: x@example.com\n\nno subject inside\n",
)
_h, _b = split(_fwd2)
msg(
    "forwarded-rfc822-no-subject",
    [("Subject", "Fwd"), ("MIME-Version", "1.0"), *_h],
    _b,
    {"attachments": [{"filename": "attachment-1.eml", "content_type": "message/rfc822"}]},
)
_noname = multipart(
    "mixed",
    "noname",
    text_part("Two attachments without names.\n"),
    binary_part("application/pdf", PDF, filename=None),
    binary_part("application/x-unknown-thing", b"\x00\x01\x02", filename=None),
)
_h, _b = split(_noname)
msg(
    "attachment-no-filename",
    [("Subject", "No names"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "attachments": [
            {"filename": "attachment-1.pdf", "content_type": "application/pdf"},
            {"filename": "attachment-2.bin", "content_type": "application/x-unknown-thing"},
        ]
    },
)
_rfc2231 = multipart(
    "mixed",
    "r2231",
    text_part("Encoded filenames.\n"),
    b"Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
    b"Content-Disposition: attachment; filename*=UTF-8''Rechnung%20M%C3%A4rz%202025.pdf\n\n"
    + base64.encodebytes(PDF),
    b'Content-Type: text/plain; name="=?UTF-8?B?w7xiZXJzaWNodC50eHQ=?="\nContent-Transfer-Encoding: base64\n'
    b'Content-Disposition: attachment; filename="=?UTF-8?B?w7xiZXJzaWNodC50eHQ=?="\n\n'
    + base64.encodebytes(b"summary\n"),
    b'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="..\\\\..\\\\evil.exe"\n'
    b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(b"MZ"),
)
_h, _b = split(_rfc2231)
msg(
    "attachment-filenames-encoded",
    [("Subject", "Filenames"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "attachments": [
            {"filename": "Rechnung März 2025.pdf", "content_type": "application/pdf"},
            {"filename": "übersicht.txt", "content_type": "text/plain"},
            {"filename": "evil.exe", "content_type": "application/octet-stream"},
        ]
    },
)
_cal = multipart(
    "mixed",
    "cal",
    text_part("Meeting invite.\n"),
    text_part("BEGIN:VCALENDAR\nEND:VCALENDAR\n", subtype="calendar"),
)
_h, _b = split(_cal)
msg(
    "attachment-calendar",
    [("Subject", "Invite"), ("MIME-Version", "1.0"), *_h],
    _b,
    {
        "text_exact": "Meeting invite.",
        "attachments": [{"filename": "attachment-1.ics", "content_type": "text/calendar"}],
    },
)
msg(
    "long-lines",
    [("Subject", "Long line"), ("Content-Type", "text/plain; charset=utf-8")],
    ("word " * 600).strip() + "\nend\n",
    {"text_contains": ["word word", "\nend"], "text_min_line": 2999},
)
msg(
    "nul-bytes",
    [("Subject", "NUL"), ("Content-Type", "text/plain; charset=utf-8")],
    b"Hello\x00 world\x00\n",
    {"text_exact": "Hello world", "problems_contains": ["NUL bytes removed from text"]},
)
msg(
    "empty-body",
    [("Subject", "Empty")],
    b"",
    {"text_exact": "", "new_text_exact": "", "html": "", "attachments": []},
)
msg(
    "broken-base64",
    [
        ("Subject", "Broken base64"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "base64"),
    ],
    b"SGVsbG8gYnJva2VuIGJhc2U2NA=\n!!!\n",
    {"text_contains": ["Hello broken base64"]},
)
CASES["multipart-no-closing-boundary"] = (
    headers(
        STD
        + [
            ("Subject", "Unclosed"),
            ("Message-ID", "<unclosed@x>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'multipart/mixed; boundary="open"'),
        ]
    )
    + b"\n--open\nContent-Type: text/plain\n\nThe closing boundary never comes.\n",
    {
        "text_contains": ["The closing boundary never comes."],
        "problems_contains": ["closing boundary missing"],
    },
)
CASES["multipart-no-boundary"] = (
    headers(
        STD
        + [
            ("Subject", "No boundary"),
            ("Message-ID", "<nobound@x>"),
            ("MIME-Version", "1.0"),
            ("Content-Type", "multipart/mixed"),
        ]
    )
    + b"\nJust some text in a multipart without boundary.\n",
    {"problems_contains": ["multipart without boundary"]},
)

# ------------------------------------------------------------------ replies

QUOTED = "> Hello,\n>\n> my printer shows error E42 since Monday.\n>\n> Regards,\n> Anna\n"


def reply(
    name, body, new_contains, new_not, lang=None, subject="Re: Printer error E42", html=False
):
    pairs = [
        ("Subject", subject),
        ("In-Reply-To", "<ticket-42@helpline.test>"),
        ("References", "<ticket-42@helpline.test>"),
    ]
    if lang:
        pairs.append(("Content-Language", lang))
    pairs.append(("Content-Type", f"text/{'html' if html else 'plain'}; charset=utf-8"))
    msg(
        name,
        pairs,
        body,
        {
            "new_text_contains": new_contains,
            "new_text_not_contains": new_not,
            "in_reply_to": ["ticket-42@helpline.test"],
            "kind": "normal",
        },
    )


reply(
    "reply-gmail-en",
    "Thanks, the printer works again after the reset.\n\nOn Mon, Jan 6, 2025 at 10:00 AM Helpline Support "
    "<support@helpline.test> wrote:\n\n" + QUOTED,
    ["Thanks, the printer works again after the reset."],
    ["wrote:", "error E42", "Anna"],
)
reply(
    "reply-gmail-de",
    "Danke, der Drucker funktioniert wieder.\n\nAm Mo., 6. Jan. 2025 um 10:00 Uhr schrieb Helpline Support <\n"
    "support@helpline.test>:\n\n" + QUOTED,
    ["Danke, der Drucker funktioniert wieder."],
    ["schrieb", "error E42"],
    lang="de",
)
reply(
    "reply-gmail-fr",
    "Merci, l'imprimante fonctionne de nouveau.\n\nLe lun. 6 janv. 2025 à 10:00, Helpline Support "
    "<support@helpline.test> a écrit :\n\n" + QUOTED,
    ["Merci, l'imprimante fonctionne de nouveau."],
    ["a écrit", "error E42"],
    lang="fr",
)
reply(
    "reply-gmail-es",
    "Gracias, la impresora funciona otra vez.\n\nEl lun, 6 ene 2025 a las 10:00, Helpline Support "
    "(<support@helpline.test>) escribió:\n\n" + QUOTED,
    ["Gracias, la impresora funciona otra vez."],
    ["escribió", "error E42"],
    lang="es",
)
reply(
    "reply-gmail-ja",
    "ありがとうございます。プリンターが直りました。\n\n2025年1月6日(月) 10:00 Helpline Support "
    "<support@helpline.test>:\n\n" + QUOTED,
    ["プリンターが直りました。"],
    ["error E42", "support@helpline.test"],
    lang="ja",
)
reply(
    "reply-gmail-ja-no-hint",
    "了解しました。明日また連絡します。\n\n2025年1月6日(月) 10:00 Helpline Support <support@helpline.test>:\n"
    + QUOTED,
    ["了解しました。明日また連絡します。"],
    ["error E42"],
)
reply(
    "reply-outlook-en",
    "The issue is back again this morning.\n\nBest regards,\nAnna Schmidt\nACME Corp.\n\n"
    "________________________________\nFrom: Helpline Support <support@helpline.test>\n"
    "Sent: Monday, January 6, 2025 10:00 AM\nTo: Anna Schmidt <anna@example.com>\n"
    "Subject: RE: Printer error E42\n\nHello Anna,\n\nplease restart the printer.\n",
    ["The issue is back again this morning."],
    ["please restart the printer", "From: Helpline", "ACME Corp."],
)
reply(
    "reply-outlook-de",
    "Leider tritt der Fehler wieder auf.\n\nMit freundlichen Grüßen\nAnna Schmidt\n\n"
    "Von: Helpline Support <support@helpline.test>\nGesendet: Montag, 6. Januar 2025 10:00\n"
    "An: Anna Schmidt <anna@example.com>\nBetreff: AW: Druckerfehler E42\n\nHallo Anna,\n\n"
    "bitte starten Sie den Drucker neu.\n",
    ["Leider tritt der Fehler wieder auf."],
    ["bitte starten Sie", "Gesendet:", "Anna Schmidt"],
    lang="de",
)
reply(
    "reply-outlook-fr",
    "Le problème est revenu ce matin.\n\nCordialement,\nAnne\n\nDe : Helpline Support <support@helpline.test>\n"
    "Envoyé : lundi 6 janvier 2025 10:00\nÀ : Anne <anne@example.fr>\nObjet : RE: Erreur E42\n\n"
    "Bonjour Anne,\n\nveuillez redémarrer l'imprimante.\n",
    ["Le problème est revenu ce matin."],
    ["veuillez redémarrer", "Envoyé"],
    lang="fr",
)
reply(
    "reply-outlook-es",
    "El problema ha vuelto esta mañana.\n\nSaludos,\nAna\n\nDe: Helpline Support <support@helpline.test>\n"
    "Enviado: lunes, 6 de enero de 2025 10:00\nPara: Ana <ana@example.es>\nAsunto: RE: Error E42\n\n"
    "Hola Ana,\n\npor favor reinicie la impresora.\n",
    ["El problema ha vuelto esta mañana."],
    ["reinicie la impresora", "Enviado:"],
    lang="es",
)
reply(
    "reply-original-message",
    "Still broken, sorry.\n\n-----Original Message-----\nFrom: Helpline Support [mailto:support@helpline.test]\n"
    "Sent: Monday, January 06, 2025 10:00 AM\nTo: Anna\nSubject: Printer error E42\n\nPlease restart it.\n",
    ["Still broken, sorry."],
    ["Original Message", "Please restart it."],
)
reply(
    "reply-apple-en",
    "Works now, thank you!\n\nSent from my iPhone\n\n> On 6 Jan 2025, at 10:00, Helpline Support "
    "<support@helpline.test> wrote:\n>\n" + QUOTED,
    ["Works now, thank you!"],
    ["Sent from my iPhone", "error E42", "wrote:"],
)
reply(
    "reply-apple-de",
    "Jetzt klappt es, danke!\n\nVon meinem iPhone gesendet\n\n> Am 06.01.2025 um 10:00 schrieb Helpline Support "
    "<support@helpline.test>:\n>\n" + QUOTED,
    ["Jetzt klappt es, danke!"],
    ["error E42", "schrieb"],
    lang="de",
)
reply(
    "reply-thunderbird-en",
    "On 06/01/2025 10:00, Helpline Support wrote:\n"
    + QUOTED
    + "\nThat did not help, the error is still there.\n",
    ["That did not help, the error is still there."],
    ["my printer shows error E42"],
)
reply(
    "reply-thunderbird-fr",
    "Cela n'a pas aidé.\n\nLe 06/01/2025 à 10:00, Helpline Support a écrit :\n" + QUOTED,
    ["Cela n'a pas aidé."],
    ["a écrit", "error E42"],
    lang="fr",
)
reply(
    "reply-signature-dashes",
    "Please call me back tomorrow.\n\n-- \nAnna Schmidt\nHead of IT, ACME\n+49 30 1234567\n",
    ["Please call me back tomorrow."],
    ["Head of IT", "+49 30"],
)
reply(
    "reply-thanks-first-line",
    "Thanks for the quick answer. However the printer still shows E42 after the restart, and the\n"
    "display stays dark.\n\nTake a look at the attached photo.\n",
    ["However the printer still shows E42", "Take a look at the attached photo."],
    [],
)
reply(
    "reply-html-gmail",
    '<div dir="ltr">The new cartridge fixed it.<br><br>Kind regards<br>Anna</div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Jan 6, 2025 at 10:00 AM Helpline '
    'Support &lt;<a href="mailto:support@helpline.test">support@helpline.test</a>&gt; wrote:<br></div>'
    '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex">Hello,<br><br>my printer shows error E42.'
    "</blockquote></div>\n",
    ["The new cartridge fixed it."],
    ["error E42", "wrote:"],
    html=True,
)
# Quote headers a mail client wrapped over two lines, in languages the library lacks or
# with the wrap where its patterns do not expect one.
reply(
    "reply-android-ru-wrapped",
    "Спасибо, всё работает.\n\n"
    '4 дек. 2026 г. 10:00 пользователь "Helpline Support" <support@helpline.test>\n'
    "написал:\n\n> Пожалуйста, перезапустите принтер.\n>\n> С уважением, Helpline\n",
    ["Спасибо, всё работает."],
    ["пользователь", "написал", "перезапустите"],
    lang="ru",
)
reply(
    "reply-android-ru-wrapped-unquoted",
    "Спасибо, всё работает.\n\n"
    '4 дек. 2026 г. 10:00 пользователь "Helpline Support"\n'
    "<support@helpline.test> написал:\n\nПожалуйста, перезапустите принтер.\n\nС уважением, Helpline\n",
    ["Спасибо, всё работает."],
    ["пользователь", "написал", "перезапустите"],
)
reply(
    "reply-gmail-ru",
    "Не помогло, ошибка E42 осталась.\n\n"
    "пт, 4 дек. 2026 г. в 10:00, Helpline Support <support@helpline.test>:\n\n"
    "> Пожалуйста, перезапустите принтер.\n",
    ["Не помогло, ошибка E42 осталась."],
    ["Helpline Support", "перезапустите"],
)
reply(
    "reply-thunderbird-uk-wrapped",
    "Дякую, все працює.\n\n04.12.2026 10:00, Helpline Support\nпише:\nБудь ласка, перезапустіть принтер.\n",
    ["Дякую, все працює."],
    ["пише", "перезапустіть"],
)
reply(
    "reply-fr-wrapped",
    "Merci, ça marche.\n\nLe ven. 4 déc. 2026 à 10:00, Helpline Support <support@helpline.test> a\n"
    "écrit :\nVeuillez redémarrer l'imprimante.\n",
    ["Merci, ça marche."],
    ["écrit", "redémarrer"],
    lang="fr",
)
reply(
    "reply-two-lines-ending-in-colon-are-text",
    "In 2020 I wrote to you about this, at 10:00 my colleague\nwrote:\nthe printer is broken, please help.\n",
    ["my colleague\nwrote:\nthe printer is broken"],
    [],
)
reply(
    "reply-html-outlook",
    '<html><body><div>Still the same error.</div><div><br></div><hr style="display:inline-block;width:98%">'
    '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Helpline Support &lt;support@helpline.test&gt;<br>'
    "<b>Sent:</b> Monday, January 6, 2025 10:00 AM<br><b>To:</b> Anna &lt;anna@example.com&gt;<br>"
    "<b>Subject:</b> RE: Printer error E42</div><div>Please restart the printer.</div></body></html>\n",
    ["Still the same error."],
    ["Please restart the printer.", "Sent:"],
    html=True,
)
reply(
    "reply-html-apple",
    '<html><body>Fixed, thanks.<br><div><br><blockquote type="cite"><div>On 6 Jan 2025, at 10:00, Helpline '
    "Support &lt;support@helpline.test&gt; wrote:</div><br><div>Please restart the printer.</div>"
    "</blockquote></div></body></html>\n",
    ["Fixed, thanks."],
    ["Please restart the printer."],
    html=True,
)
reply(
    "reply-html-thunderbird",
    '<html><body><p>Hat nicht geholfen.</p><div class="moz-cite-prefix">Am 06.01.25 um 10:00 schrieb Helpline '
    'Support:<br></div><blockquote type="cite" cite="mid:ticket-42@helpline.test">Bitte Drucker neu starten.'
    "</blockquote></body></html>\n",
    ["Hat nicht geholfen."],
    ["Bitte Drucker neu starten.", "schrieb"],
    lang="de",
    html=True,
)

# ------------------------------------------------------------------ auto replies and bulk


def auto(name, pairs, body, kind="auto_reply"):
    msg(
        name,
        [("Subject", "Re: Printer error E42"), *pairs]
        if not any(p[0] == "Subject" for p in pairs)
        else pairs,
        body,
        {"kind": kind, "bounced_recipients": []},
    )


auto(
    "auto-rfc3834",
    [("Auto-Submitted", "auto-replied"), ("Subject", "Re: Printer error E42")],
    "I am on vacation until January 20.\n",
)
auto(
    "auto-outlook-automatic-reply",
    [
        ("Subject", "Automatic reply: Printer error E42"),
        ("X-Auto-Response-Suppress", "All"),
        ("X-MS-Exchange-Inbox-Rules-Loop", "anna@example.com"),
    ],
    "I am out of the office until Monday.\n",
)
auto(
    "auto-abwesenheitsnotiz",
    [("Subject", "Abwesenheitsnotiz: Druckerfehler E42")],
    "Ich bin bis zum 20. Januar nicht im Büro.\n",
)
auto(
    "auto-x-autoreply",
    [("X-Autoreply", "yes"), ("Subject", "Re: Printer error E42")],
    "Auto reply.\n",
)
auto(
    "auto-precedence-auto-reply",
    [("Precedence", "auto_reply"), ("Subject", "Re: hello")],
    "Thanks, got it.\n",
)
auto(
    "auto-reponse-automatique",
    [("Subject", "Réponse automatique : Erreur E42")],
    "Je suis absent jusqu'au 20 janvier.\n",
)
auto(
    "auto-out-of-office-subject",
    [("Subject", "Out of Office: Printer error E42")],
    "Back on Monday.\n",
)
auto(
    "auto-vacation-bulk",
    [("Auto-Submitted", "auto-replied (vacation)"), ("Precedence", "bulk"), ("Subject", "Away")],
    "Away.\n",
)
auto(
    "auto-submitted-no-is-normal",
    [("Auto-Submitted", "no"), ("Subject", "Hello")],
    "A person wrote this.\n",
    kind="normal",
)
auto(
    "bulk-list-id",
    [
        ("List-Id", "Printer users <printers.lists.example.org>"),
        ("List-Unsubscribe", "<mailto:leave@lists.example.org>"),
        ("Subject", "[printers] E42"),
    ],
    "A list message.\n",
    kind="bulk",
)
auto(
    "bulk-precedence",
    [("Precedence", "bulk"), ("Subject", "Our January newsletter")],
    "News.\n",
    kind="bulk",
)

# ------------------------------------------------------------------ bounces

_ORIG = (
    "From: Helpline Support <support@helpline.test>\nTo: gone@example.org\nSubject: Your ticket #42\n"
    "Date: Mon, 06 Jan 2025 10:00:00 +0000\nMessage-ID: <reply-42-1@helpline.test>\n"
)
_dsn = multipart(
    "report",
    "dsn-postfix",
    text_part(
        "This is the mail system at host mx.helpline.test.\n\nI'm sorry to have to inform you that your "
        "message could not\nbe delivered to one or more recipients.\n\n<gone@example.org>: host "
        "mx.example.org said: 550 5.1.1 <gone@example.org>:\n    Recipient address rejected: User unknown\n"
    ),
    b"Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
    b"Reporting-MTA: dns; mx.helpline.test\nArrival-Date: Mon,  6 Jan 2025 10:00:01 +0000\n\n"
    b"Final-Recipient: rfc822; gone@example.org\nOriginal-Recipient: rfc822;gone@example.org\nAction: failed\n"
    b"Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n",
    b"Content-Description: Undelivered Message\nContent-Type: message/rfc822\n\n"
    + (_ORIG + "\nYour ticket was updated.\n").encode(),
    extra="; report-type=delivery-status",
)
_h, _b = split(_dsn)
msg(
    "bounce-dsn-postfix",
    [
        ("From", "MAILER-DAEMON@mx.helpline.test (Mail Delivery System)"),
        ("To", "support@helpline.test"),
        ("Subject", "Undelivered Mail Returned to Sender"),
        ("Auto-Submitted", "auto-replied"),
        ("MIME-Version", "1.0"),
        *_h,
    ],
    _b,
    {
        "kind": "bounce",
        "bounced_recipients": ["gone@example.org"],
        "bounced_message_id": "reply-42-1@helpline.test",
        "attachments": [
            {"filename": "attachment-1.txt", "content_type": "message/delivery-status"},
            {"filename": "Your ticket #42.eml", "content_type": "message/rfc822"},
        ],
    },
)
_dsn2 = multipart(
    "report",
    "dsn-exchange",
    multipart(
        "alternative",
        "dsn-exchange-alt",
        text_part(
            "Your message to nobody@example.com couldn't be delivered.\n\nnobody wasn't found at "
            "example.com.\n"
        ),
        text_part(
            "<p>Your message to <b>nobody@example.com</b> couldn't be delivered.</p>",
            subtype="html",
        ),
    ),
    b"Content-Type: message/delivery-status\n\nReporting-MTA: dns;EX01.example.com\n\n"
    b"Final-Recipient: rfc822;nobody@example.com\nAction: failed\nStatus: 5.1.10\n"
    b"Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound\n\n"
    b"Final-Recipient: rfc822;Second@Example.com\nAction: failed\nStatus: 5.2.2\n\n"
    b"Final-Recipient: rfc822;fine@example.com\nAction: delivered\nStatus: 2.0.0\n",
    b"Content-Type: text/rfc822-headers\n\n" + _ORIG.replace("reply-42-1", "reply-42-2").encode(),
    extra="; report-type=delivery-status",
)
_h, _b = split(_dsn2)
msg(
    "bounce-dsn-exchange",
    [
        ("From", "Microsoft Outlook <postmaster@example.com>"),
        ("To", "support@helpline.test"),
        ("Subject", "Undeliverable: Your ticket #42"),
        ("MIME-Version", "1.0"),
        *_h,
    ],
    _b,
    {
        "kind": "bounce",
        "bounced_recipients": ["nobody@example.com", "second@example.com"],
        "bounced_message_id": "reply-42-2@helpline.test",
    },
)
_dsn3 = multipart(
    "report",
    "dsn-delay",
    text_part("Delivery is delayed to these recipients: slow@example.net\n"),
    b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.helpline.test\n\n"
    b"Final-Recipient: rfc822; slow@example.net\nAction: delayed\nStatus: 4.4.1\n",
    extra="; report-type=delivery-status",
)
_h, _b = split(_dsn3)
msg(
    "bounce-dsn-delayed",
    [
        ("From", "Mail Delivery System <MAILER-DAEMON@mx.helpline.test>"),
        ("Subject", "Delayed Mail (still being retried)"),
        ("MIME-Version", "1.0"),
        *_h,
    ],
    _b,
    # a delay is a warning, not a failure: a robot's mail that bounces nobody
    {"kind": "auto_reply", "bounced_recipients": []},
)
_dsn4 = multipart(
    "report",
    "dsn-ok",
    text_part("Your message was delivered.\n"),
    b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.helpline.test\n\n"
    b"Final-Recipient: rfc822; happy@example.net\nAction: delivered\nStatus: 2.0.0\n",
    extra="; report-type=delivery-status",
)
_h, _b = split(_dsn4)
msg(
    "dsn-delivered-is-not-bounce",
    [
        ("From", "MAILER-DAEMON@mx.helpline.test"),
        ("Subject", "Successful Mail Delivery Report"),
        ("MIME-Version", "1.0"),
        *_h,
    ],
    _b,
    {"kind": "auto_reply", "bounced_recipients": []},
)
msg(
    "bounce-gmail-style",
    [
        ("From", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"),
        ("To", "support@helpline.test"),
        ("Subject", "Delivery Status Notification (Failure)"),
        ("Auto-Submitted", "auto-replied"),
    ],
    "Delivery to the following recipient failed permanently:\n\n     missing.person@gmail.com\n\n"
    "Technical details of permanent failure:\nThe email account that you tried to reach does not exist.\n\n"
    "----- Original message -----\n\n" + _ORIG.replace("reply-42-1", "reply-42-3") + "\nHello\n",
    {
        "kind": "bounce",
        "bounced_recipients": ["missing.person@gmail.com"],
        "bounced_message_id": "reply-42-3@helpline.test",
    },
)
msg(
    "bounce-qmail",
    [
        ("From", "MAILER-DAEMON@mail.example.jp"),
        ("To", "support@helpline.test"),
        ("Subject", "failure notice"),
    ],
    "Hi. This is the qmail-send program at mail.example.jp.\nI'm afraid I wasn't able to deliver your message "
    "to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    "<user1@example.jp>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n<user2@example.jp>:\n"
    "mailbox is full\n\n--- Below this line is a copy of the message.\n\n"
    + _ORIG.replace("reply-42-1", "reply-42-4")
    + "\nHello\n",
    {
        "kind": "bounce",
        "bounced_recipients": ["user1@example.jp", "user2@example.jp"],
        "bounced_message_id": "reply-42-4@helpline.test",
    },
)
msg(
    "bounce-exim",
    [
        ("From", "Mail Delivery System <Mailer-Daemon@mx.example.co.uk>"),
        ("To", "support@helpline.test"),
        ("Subject", "Mail delivery failed: returning message to sender"),
    ],
    "This message was created automatically by mail delivery software.\n\nA message that you sent could not be "
    "delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n"
    "  former.staff@example.co.uk\n    (ultimately generated from info@example.co.uk)\n"
    "    SMTP error from remote mail server after RCPT TO:<former.staff@example.co.uk>:\n"
    "    550 5.1.1 User unknown\n\n------ This is a copy of the message, including all the headers. ------\n\n"
    "Return-path: <support@helpline.test>\n"
    + _ORIG.replace("reply-42-1", "reply-42-5")
    + "\nHello\n",
    {
        "kind": "bounce",
        "bounced_recipients": ["former.staff@example.co.uk"],
        "bounced_message_id": "reply-42-5@helpline.test",
    },
)
_arf = multipart(
    "report",
    "arf",
    text_part("This is an email abuse report for an email message received from IP 192.0.2.1.\n"),
    b"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\n",
    b"Content-Type: message/rfc822\n\n" + (_ORIG + "\nHello\n").encode(),
    extra="; report-type=feedback-report",
)
_h, _b = split(_arf)
msg(
    "arf-abuse-report",
    [
        ("From", "staff@hotmail.example"),
        ("Subject", "complaint about message from 192.0.2.1"),
        ("MIME-Version", "1.0"),
        *_h,
    ],
    _b,
    {"kind": "auto_reply", "bounced_recipients": []},
)
msg(
    "person-writes-about-bounce",
    [("Subject", "Your mail bounced?"), ("From", "Anna <anna@example.com>")],
    "Hi, I got an 'Undeliverable' message when I wrote to sales@example.com. Can you check?\n",
    {"kind": "normal", "bounced_recipients": []},
)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for old in HERE.glob("*.eml"):
        old.unlink()
    expected = {}
    for name, (raw, expect) in sorted(CASES.items()):
        (HERE / f"{name}.eml").write_bytes(raw)
        expected[f"{name}.eml"] = expect
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} messages to {HERE}")


if __name__ == "__main__":
    main()
