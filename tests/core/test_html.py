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


def test_html_depth_counts_nesting_but_not_void_or_optional_end_tags():
    from helpline.core.html import html_depth

    assert html_depth("<div><p>a<p>b<br><img src=x><span>c</span></div>") == 2
    assert html_depth("<div>" * 700 + "</div>" * 700) == 700
    assert html_depth("<li>" * 10_000) == 0  # closed implicitly by the next one
    assert html_depth("</div></div><b>x</b>") == 1  # stray end tags never go below 0


def test_html_as_plain_text_is_linear_and_keeps_lines():
    import time

    from helpline.core.html import html_as_plain_text

    assert html_as_plain_text("<div>One &amp; two</div><div>Three<br>Four</div>") == (
        "One & two\nThree\nFour"
    )
    assert html_as_plain_text("<style>p{}</style><script>x()</script>hi") == "hi"
    html = "<div>" * 200_000 + "deep" + "</div>" * 200_000
    started = time.perf_counter()
    assert html_as_plain_text(html) == "deep"
    assert time.perf_counter() - started < 5
