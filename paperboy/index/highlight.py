"""Mark the words of a text that match a query, as safe HTML.

Matching is by stem, like the keyword index: "networks" in an abstract is marked for
the query word "network".  The text is split into words and the gaps between them; each
piece is HTML-escaped before any <mark> is added, so nothing from the paper or the query
can become markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection

import tantivy

from paperboy.index.keyword import text_analyzer

# Same notion of a word as tantivy's simple tokenizer: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")


def mark_terms(text: str, terms: Collection[str],
               analyzer: tantivy.TextAnalyzer | None = None) -> str:
    """`text` as HTML with each word whose stem is in `terms` wrapped in <mark>.

    `terms` are stemmed terms, e.g. from `KeywordIndex.query_terms(query)`.
    """
    stem = _stemmer(analyzer or text_analyzer())
    pieces: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        pieces.append(html.escape(text[last:match.start()]))
        word = html.escape(match.group())
        tokens = stem(match.group()) if terms else []
        pieces.append(f"<mark>{word}</mark>" if tokens and tokens[0] in terms else word)
        last = match.end()
    pieces.append(html.escape(text[last:]))
    return "".join(pieces)


def _stemmer(analyzer: tantivy.TextAnalyzer) -> Callable[[str], list[str]]:
    cache: dict[str, list[str]] = {}

    def stem(word: str) -> list[str]:
        if word not in cache:
            cache[word] = analyzer.analyze(word)
        return cache[word]

    return stem
