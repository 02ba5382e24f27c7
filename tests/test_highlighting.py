"""The web's marked text: the finding side's matched spans as escaped HTML with <mark>.

The expected strings are what the search service's `title_html`/`snippet_html` were before
the spans moved out of it (HTML made in `index/highlight.py`); the API and the search page
must keep showing exactly them.
"""

from __future__ import annotations

import pytest

from paperboy.domain.highlighted import Highlighted
from paperboy.index.highlight import match_terms
from paperboy.index.keyword import text_analyzer
from paperboy.web.highlighting import marked


def stems(*words: str) -> frozenset[str]:
    analyzer = text_analyzer()
    return frozenset(t for w in words for t in analyzer.analyze(w))


@pytest.mark.parametrize(
    ("text", "words", "html"),
    [
        (
            "Memory <script>alert(1)</script> & decoded b memories",
            ("memory", "decoding", "b"),
            "<mark>Memory</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>decoded</mark> "
            "<mark>b</mark> <mark>memories</mark>",
        ),
        (
            'Bayes\' "theorem" & <i>priors</i>: a < b > c',
            ("theorem", "prior"),
            "Bayes&#x27; &quot;<mark>theorem</mark>&quot; &amp; &lt;i&gt;<mark>priors</mark>&lt;/i&gt;: "
            "a &lt; b &gt; c",
        ),
        (
            "Réseaux de neurones: les réseaux profonds — Ärger über Graphen",
            ("réseaux", "graphen", "ärger"),
            "<mark>Réseaux</mark> de neurones: les <mark>réseaux</mark> profonds — <mark>Ärger</mark> "
            "über <mark>Graphen</mark>",
        ),
        # A combining accent is not part of a word (as in tantivy's tokenizer).
        (
            "Re\u0301seaux de graphe\u0301s",
            ("re\u0301seaux", "graphe"),
            "<mark>Re</mark>\u0301<mark>seaux</mark> de <mark>graphe</mark>\u0301s",
        ),
        # Adjacent matches, one character apart; "_" separates words.
        (
            "graph-graph graph_network graphs,graphs",
            ("graph", "network"),
            "<mark>graph</mark>-<mark>graph</mark> <mark>graph</mark>_<mark>network</mark> "
            "<mark>graphs</mark>,<mark>graphs</mark>",
        ),
        # Search results show TeX as written: no MathML, words inside formulas marked too.
        (
            "Bounds on $O(n \\log n)$ sorting with $\\alpha$-stable noise & $x<y$",
            ("sorting", "log", "alpha", "x"),
            "Bounds on $O(n \\<mark>log</mark> n)$ <mark>sorting</mark> with $\\<mark>alpha</mark>$-stable "
            "noise &amp; $<mark>x</mark>&lt;y$",
        ),
        # Entities and tags already in the text are text, escaped again, never markup.
        (
            "&amp; &lt;mark&gt; <mark>graph</mark>",
            ("graph", "mark"),
            "&amp;amp; &amp;lt;<mark>mark</mark>&amp;gt; &lt;<mark>mark</mark>&gt;<mark>graph</mark>"
            "&lt;/<mark>mark</mark>&gt;",
        ),
        ("the for of attention", ("attention",), "the for of <mark>attention</mark>"),
        (
            "Ｆｕｌｌwidth ＧＲＡＰＨ and 日本語 text 2024 v2",
            ("graph", "2024", "v2"),
            "Ｆｕｌｌwidth ＧＲＡＰＨ and 日本語 text <mark>2024</mark> <mark>v2</mark>",
        ),
        ("emoji 🤖graph🤖 graph", ("graph",), "emoji 🤖<mark>graph</mark>🤖 <mark>graph</mark>"),
        ("a < b", (), "a &lt; b"),
        ("", ("graph",), ""),
    ],
)
def test_marked_text_is_the_escaped_text_with_matched_words_in_mark(
    text: str, words: tuple[str, ...], html: str
) -> None:
    assert marked(match_terms(text, stems(*words))) == html


def test_spans_at_either_end_and_none_at_all_are_marked_exactly() -> None:
    assert marked(Highlighted("graph & <b>", ((0, 5),))) == "<mark>graph</mark> &amp; &lt;b&gt;"
    assert marked(Highlighted("a 'graph'", ((3, 8),))) == "a &#x27;<mark>graph</mark>&#x27;"
    assert marked(Highlighted("ends with graph", ((10, 15),))) == "ends with <mark>graph</mark>"
    assert marked(Highlighted("x<y", ())) == "x&lt;y"
    # The result is safe markup: a template puts it in as it is, not escaped again.
    assert marked(Highlighted("<", ())).__html__() == "&lt;"
