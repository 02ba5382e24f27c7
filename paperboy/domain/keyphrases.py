"""Key phrases of a paper: tf-idf over noun-phrase-like candidates of its title and abstract.

Candidates are the runs of words between punctuation, stopwords and the words every paper
uses ("we propose a novel method"); every 1- to 3-word stretch of a run is one. A
candidate's score is its count (title words count twice) times its rarity in the corpus,
idf = log(N / (1 + df)), with df from the caller (the corpus's document frequency of the
phrase). Pure: no I/O; chosen against YAKE by measurement (docs/insight.md)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable

MAX_WORDS = 3
_SPLIT = re.compile(r"[.,;:!?()\[\]{}\"“”‘’'/|=<>+*]|\$[^$]*\$|\s-\s|\s–\s")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
STOPWORDS = frozenset(
    "a about above after again against all also am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each either few for from further had has "
    "have having he her here hers herself him himself his how i if in into is it its itself just may me "
    "might more most must my no nor not of off on once only or other our ours ourselves out over own same "
    "she should so some such than that the their theirs them themselves then there these they this those "
    "through to too under until up upon very via was we were what when where which while who whom why will "
    "with within without would you your yours thus however therefore moreover furthermore whereas whether "
    "yet us one two three first second new novel propose proposed proposes present presents presented "
    "show shows shown study studies approach approaches method methods paper work results result based "
    "using use used uses existing significantly significant effective efficient achieve achieves "
    "demonstrate demonstrates experiments experimental extensive state-of-the-art sota outperforms "
    "performance framework introduce introduces task tasks problem problems model models data different "
    "various several many well often well-known recent recently key important across large small high "
    "low better best improve improves improved improving provide provides given make makes making "
    "enable enables allows allow consider considered able due including include includes related "
    "furthermore specifically particular particularly respectively even still however since like".split()
)


def candidates(text: str) -> list[str]:
    """Every 1- to 3-word stretch of the runs between punctuation and stopwords, lowercased."""
    found: list[str] = []
    for piece in _SPLIT.split(text):
        run: list[str] = []
        for raw in [*piece.split(), ""]:
            word = raw.strip("-").lower()
            if raw and _WORD.match(raw) and word not in STOPWORDS and len(word) > 1:
                run.append(word)
                continue
            for size in range(1, MAX_WORDS + 1):
                found += (" ".join(run[i : i + size]) for i in range(len(run) - size + 1))
            run = []
    return found


def paper_candidates(title: str, abstract: str) -> Counter[str]:
    """Candidate counts of one paper; the title's count twice."""
    counts = Counter(candidates(abstract))
    for phrase in candidates(title):
        counts[phrase] += 2
    return counts


def key_phrases(
    title: str, abstract: str, doc_freq: Callable[[str], int], total: int, limit: int = 5
) -> list[str]:
    """The `limit` best candidates, none contained in a better one (no "neural" under
    "graph neural networks"). doc_freq(phrase) counts the corpus's papers with it."""
    counts = paper_candidates(title, abstract)
    scored = []
    for phrase, count in counts.items():
        words = phrase.count(" ") + 1
        if words == 1 and count < 2:
            continue  # a single word said once is rarely what a paper is about
        idf = math.log(max(total, 1) / (1 + doc_freq(phrase)))
        scored.append((count * idf * (1 + 0.5 * (words - 1)), phrase))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    chosen: list[str] = []
    for _, phrase in scored:
        if any(phrase in other or other in phrase for other in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == limit:
            break
    return chosen


def document_frequencies(papers: Iterable[tuple[str, str]]) -> Counter[str]:
    """How many of `papers` (title, abstract) have each candidate: the corpus side of idf."""
    df: Counter[str] = Counter()
    for title, abstract in papers:
        df.update(set(paper_candidates(title, abstract)))
    return df
