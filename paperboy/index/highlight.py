"""Find the words of a text that match a query.

Matching is by stem, like the keyword index: "networks" in an abstract matches the query
word "network".  Words are found as character offsets in the plain text; showing them
(the web's <mark>, escaped) is the interfaces' business.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Collection, Sequence

import tantivy

from paperboy.domain.highlighted import Highlighted
from paperboy.index.keyword import text_analyzer

# Same notion of a word as tantivy's simple tokenizer: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")


def match_terms(
    text: str, terms: Collection[str], analyzer: tantivy.TextAnalyzer | None = None
) -> Highlighted:
    """`text` with the spans of each word whose stem is in `terms`.

    `terms` are stemmed terms, e.g. from `KeywordIndex.query_terms(query)`.
    """
    if not terms:
        return Highlighted(text)
    stem = _stemmer(analyzer)
    words = _WORD.finditer(text)
    return Highlighted(text, tuple(w.span() for w in words if (t := stem(w.group())) and t[0] in terms))


_local = threading.local()


@functools.lru_cache(maxsize=100_000)
def _default_stem(word: str) -> tuple[str, ...]:
    # One analyzer per thread (web requests run on a pool); stems cached per process.
    analyzer = getattr(_local, "analyzer", None)
    if analyzer is None:
        analyzer = _local.analyzer = text_analyzer()
    return tuple(analyzer.analyze(word))


def _stemmer(analyzer: tantivy.TextAnalyzer | None) -> Callable[[str], Sequence[str]]:
    if analyzer is None:
        return _default_stem
    cache: dict[str, list[str]] = {}

    def stem(word: str) -> list[str]:
        if word not in cache:
            cache[word] = analyzer.analyze(word)
        return cache[word]

    return stem


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def best_passage(
    text: str, terms: Collection[str], max_chars: int = 300, analyzer: tantivy.TextAnalyzer | None = None
) -> str:
    """The run of whole sentences (about max_chars) holding the most matched terms, as
    plain text with "…" where it was cut; the start of the text when nothing matches."""
    sentences = _SENTENCE_END.split(text.strip())
    if not terms or len(text) <= max_chars:
        return _cut(text, max_chars)
    stem = _stemmer(analyzer)
    hits = [sum(1 for w in _WORD.findall(s) if (t := stem(w)) and t[0] in terms) for s in sentences]
    best_start, best_score = 0, -1
    for start in range(len(sentences)):
        length, score, end = 0, 0, start
        while end < len(sentences) and (length == 0 or length + len(sentences[end]) <= max_chars):
            length += len(sentences[end]) + 1
            score += hits[end]
            end += 1
        if score > best_score:
            best_start, best_score = start, score
    if best_score <= 0:
        return _cut(text, max_chars)
    passage: list[str] = []
    length = 0
    for sentence in sentences[best_start:]:
        if passage and length + len(sentence) > max_chars:
            break
        passage.append(sentence)
        length += len(sentence) + 1
    joined = _cut(" ".join(passage), max_chars)
    prefix = "… " if best_start > 0 else ""
    suffix = " …" if best_start + len(passage) < len(sentences) and not joined.endswith("…") else ""
    return prefix + joined + suffix


def _cut(text: str, max_chars: int) -> str:
    """The text up to about max_chars, ended at a space so no word is cut in half (a
    first "word" longer than the limit, a URL say, is kept whole)."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    if not text[max_chars].isspace():
        head = head.rsplit(None, 1)[0] if " " in head.strip() else text.split(None, 1)[0]
    return head.rstrip() + " …"
