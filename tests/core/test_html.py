"""HTML sanitising and HTML-to-text (helpline.core.html)."""

from helpline.core.html import html_to_text, sanitize_html


def test_html_to_text_makes_blocks_lines_and_quotes_blockquotes():
    text = html_to_text(
        "<div>One</div><div>Two<br>Three</div><blockquote><div>quoted</div></blockquote><div>after</div>"
    )
    assert text.split("\n") == ["One", "Two", "Three", "> quoted", "after"]
    assert html_to_text("<p>First</p><p>Second</p>") == "First\n\nSecond"


def test_html_to_text_skips_scripts_and_styles_and_unescapes():
    assert (
        html_to_text("<style>a{}</style><script>x()</script><p>a &amp; b&nbsp;c</p>") == "a & b c"
    )


def test_html_to_text_keeps_preformatted_text():
    assert html_to_text("<pre>a\n  b</pre>") == "a\n  b"


def test_sanitize_html_removes_active_content():
    html = sanitize_html(
        '<img src="x" onerror="a()"><a href="javascript:b()">x</a><script>c()</script>'
        '<img src="http://t.example/p.gif"><img src="cid:i1"><img src="https://ok.example/i.png">'
    )
    assert "onerror" not in html and "javascript" not in html and "<script" not in html
    assert "http://t.example" not in html
    assert 'src="cid:i1"' in html and 'src="https://ok.example/i.png"' in html
