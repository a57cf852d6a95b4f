"""Focused behaviours of the email parser, quote stripping and classification."""

import pytest

from helpline.channels.email.charsets import decode_bytes
from helpline.channels.email.headers import decode_header_text
from helpline.channels.email.parse import message_ids, parse_email
from helpline.channels.email.parsed import UnparseableEmail
from helpline.channels.email.quotes import extract_new_text

SIMPLE = b"From: a@example.com\nTo: b@example.com\nSubject: Hi\nMessage-ID: <m@x>\n\nHello\n"


def test_it_refuses_empty_input():
    with pytest.raises(UnparseableEmail, match="empty"):
        parse_email(b"")
    with pytest.raises(UnparseableEmail):
        parse_email(b"   \n\n")


def test_it_refuses_bytes_that_are_not_an_email():
    with pytest.raises(UnparseableEmail, match="not an email"):
        parse_email(b"\x89PNG\r\n\x1a\n\x00\x00binary garbage without any headers")
    with pytest.raises(UnparseableEmail, match="not an email"):
        parse_email(b"just a sentence of text\nand another\n")


def test_it_refuses_a_message_over_the_size_limit():
    # generated at test time: a 25 MB attachment is never committed
    big = SIMPLE + b"x" * (25 * 1024 * 1024)
    with pytest.raises(UnparseableEmail) as excinfo:
        parse_email(big, max_bytes=25 * 1024 * 1024)
    assert (
        str(excinfo.value) == f"message is {len(big)} bytes, over the limit of {25 * 1024 * 1024}"
    )


def test_a_message_at_the_limit_is_parsed():
    assert parse_email(SIMPLE, max_bytes=len(SIMPLE)).subject == "Hi"


def test_headers_only_garbage_still_parses_with_problems():
    parsed = parse_email(b"Subject: only a subject\n")
    assert parsed.subject == "only a subject"
    assert parsed.from_ is None
    assert parsed.text == ""
    assert "no From header" in parsed.problems
    assert "no Message-ID header" in parsed.problems


def test_message_ids_are_robust_to_junk():
    assert message_ids("<a@b> <c@d>") == ["a@b", "c@d"]
    assert message_ids("a@b") == ["a@b"]
    assert message_ids("Your message of Monday <x@y> (comment)") == ["x@y"]
    assert message_ids("< spaced@id >") == ["spaced@id"]
    assert message_ids("<a@b> <a@b>") == ["a@b"]
    assert message_ids("") == []
    assert message_ids("no-at-sign-id") == ["no-at-sign-id"]


def test_header_decoding_joins_multibyte_characters_split_across_words():
    # "日本" split in the middle of a UTF-8 sequence over two encoded-words
    data = "日本".encode()
    import base64

    first = base64.b64encode(data[:4]).decode()
    second = base64.b64encode(data[4:]).decode()
    assert decode_header_text(f"=?utf-8?B?{first}?= =?utf-8?B?{second}?=") == "日本"


def test_header_decoding_keeps_words_it_cannot_decode():
    problems = []
    assert decode_header_text("=?utf-8?B?@@@@?= text", problems) in (
        "=?utf-8?B?@@@@?= text",
        " text",
    )


def test_decode_bytes_fallback_chain():
    assert decode_bytes("é".encode(), "utf-8") == ("é", None)
    text, problem = decode_bytes("é".encode(), "us-ascii")
    assert text == "é" and problem == "declared charset us-ascii was wrong; decoded as utf-8"
    text, problem = decode_bytes("€".encode("cp1252"), "iso-8859-1")
    assert text == "€" and problem is None
    text, problem = decode_bytes(b"\xff\xfe\xfd caf\xe9", None)
    assert problem.startswith("no charset declared; decoded as")
    assert decode_bytes("中文".encode("gb18030"), "gb2312") == ("中文", None)


def test_new_text_strips_quotes_and_signature():
    text = "Fine now.\n\n-- \nBob\n\nOn Mon, Jan 6, 2025 at 10:00 AM Ann <a@x> wrote:\n> old\n"
    assert extract_new_text(text) == "Fine now."


def test_new_text_keeps_a_sentence_that_starts_like_a_signoff():
    text = "Hi,\n\nThanks for the help. Unfortunately the device still fails.\nIt beeps twice.\n"
    assert "It beeps twice." in extract_new_text(text)


def test_new_text_keeps_hyphen_lists():
    text = "Steps:\n- unplug it\n- wait\n- plug it in\n"
    assert extract_new_text(text) == text.strip()


def test_new_text_of_an_empty_body_is_empty():
    assert extract_new_text("") == ""
    assert extract_new_text("\n\n") == ""


def test_a_bounce_keeps_its_notice_as_new_text():
    raw = (
        b"From: MAILER-DAEMON@mx.example.org\nTo: a@example.com\nSubject: failure notice\n\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        b"<lost@example.net>:\nSorry, no mailbox here by that name.\n"
    )
    parsed = parse_email(raw)
    assert parsed.kind == "bounce"
    assert parsed.bounced_recipients == ["lost@example.net"]
    assert "lost@example.net" in parsed.new_text


def test_precedence_junk_is_bulk():
    raw = SIMPLE.replace(b"Subject: Hi\n", b"Subject: Hi\nPrecedence: junk\n")
    assert parse_email(raw).kind == "bulk"


def test_deeply_nested_multiparts_do_not_crash():
    raw = b"From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for i in range(1, 60):
        raw += f"--b{i - 1}\nContent-Type: multipart/mixed; boundary=b{i}\n\n".encode()
    raw += b"--b59\nContent-Type: text/plain\n\ndeep text\n"
    parsed = parse_email(raw)
    assert "deep text" in parsed.text or parsed.problems


def test_a_broken_message_rfc822_part_does_not_crash():
    raw = (
        b"From: a@example.com\nSubject: fwd\nContent-Type: multipart/mixed; boundary=x\n\n"
        b"--x\nContent-Type: text/plain\n\nsee below\n--x\nContent-Type: message/rfc822\n"
        b"Content-Transfer-Encoding: base64\n\n!!!not base64!!!\n--x--\n"
    )
    parsed = parse_email(raw)
    assert parsed.text == "see below"
    assert parsed.attachments[0].content_type == "message/rfc822"
