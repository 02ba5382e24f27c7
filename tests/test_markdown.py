"""Comment Markdown renders to a small, safe subset of HTML."""

from __future__ import annotations

import re

import pytest

from paperboy.web.markdown import render_markdown, sanitise_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[x](java\u0000script:alert(1))",
    "<<script>script>alert(1)<</script>/script>",
]


def live_markup(html: str) -> list[str]:
    """Whatever in the HTML could run script: tags that are not escaped, handlers, bad schemes."""
    found = re.findall(r"<\s*(script|img|svg|iframe|object|embed|style|div)\b", html, re.I)
    found += re.findall(r"<[^>]*\son\w+\s*=", html, re.I)
    found += re.findall(r"""<a\b[^>]*href\s*=\s*["']?\s*(?!https?:|mailto:)[a-z]+:""", html, re.I)
    return found


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_inert(text: str) -> None:
    html = str(render_markdown(text))
    assert live_markup(html) == [], html


@pytest.mark.parametrize("html", ['<a href="javascript:alert(1)">x</a>', "<img src=x onerror=alert(1)>"])
def test_the_sanitiser_alone_also_drops_hostile_html(html: str) -> None:
    # The second lock: even HTML that got past the Markdown parser is cleaned.
    cleaned = sanitise_html(html)
    assert "javascript" not in cleaned and "onerror" not in cleaned and "<img" not in cleaned


def test_everyday_markdown_keeps_its_formatting() -> None:
    html = str(render_markdown("**bold** _it_ `code`\n\n> quoted\n\n- one\n- two\n\n```\nx = 1\n```"))
    for tag in ("<strong>bold</strong>", "<em>it</em>", "<code>code</code>", "<blockquote>", "<li>one</li>"):
        assert tag in html
    assert "<pre><code>x = 1\n</code></pre>" in html


def test_links_keep_safe_schemes_and_get_nofollow() -> None:
    html = str(render_markdown("[paper](https://arxiv.org/abs/2405.07518) and [me](mailto:ada@example.org)"))
    assert '<a href="https://arxiv.org/abs/2405.07518" rel="nofollow noopener ugc">paper</a>' in html
    assert '<a href="mailto:ada@example.org" rel="nofollow noopener ugc">me</a>' in html


def test_headings_never_outrank_the_page() -> None:
    html = str(render_markdown("# Top\n\n## Second"))
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Top</h3>" in html and "<h4>Second</h4>" in html


def test_images_are_not_loaded() -> None:
    html = str(render_markdown("![pixel](https://tracker.example/p.gif)"))
    assert "<img" not in html


def test_ampersands_and_angle_brackets_in_prose_are_escaped() -> None:
    html = str(render_markdown("O(n<2) & friends"))
    assert "O(n&lt;2) &amp; friends" in html
