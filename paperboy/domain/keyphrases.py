"""Key phrases of a paper: tf-idf over noun-phrase-like candidates of its title and abstract.

Candidates are the runs of words between punctuation, stopwords and the words every paper
uses ("we propose a novel method"); every 1- to 3-word stretch of a run is one. A
candidate's score is its count (title words count twice) times its rarity in the corpus,
idf = log(N / (1 + df)), with df from the caller (the corpus's document frequency of the
phrase). Pure: no I/O; chosen against YAKE by measurement (docs/insight.md).

A dot splits a run only where a sentence ends ("SKILL.md" stays one word); common verbs
break runs ("What Keeps Agent Skills" gives "agent skills", not "keeps agent"), and a
phrase may not start with an -ing word unless it names a thing ("learning", "reasoning");
phrases are matched lowercased but shown as written where the case means something
(acronyms and names such as "LoRA", "SKILL.md"), lowercased where it is only a title's
or a sentence's capitals."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

MAX_WORDS = 3  # written out in _run_phrases (one list per size is faster than a loop)
# A dot splits only before a space or the end (a sentence's end), not inside "SKILL.md".
_SPLIT = re.compile(r"\.(?=\s|$)|[,;:!?()\[\]{}\"“”‘’'/|=<>+*]|\$[^$]*\$|\s-\s|\s–\s")
_WORD = re.compile(r"^[A-Za-z](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
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
    "furthermore specifically particular particularly respectively even still however since like "
    "e.g i.e etc et al rather instead whose".split()
)
# Verbs common in titles and abstracts: they join no noun phrase, so they end a run.
VERBS = frozenset(
    "keeps keep helps help leads lead remains remain becomes become yields yield requires require "
    "reveals reveal suggests suggest matters matter meets meet fails fail works goes go gets get "
    "takes take gives give finds find learns learn tells tell says say needs need beats beat "
    "train trains trained fine-tune fine-tunes fine-tuned captures capture explains explain "
    "predicts predict reduces reduce increases increase "
    "achieved obtained observed remains benefits benefit relies rely depends depend "
    "evaluates evaluate generates generate produces produce computes compute ensures ensure "
    "exhibits exhibit identifies identify leverages leverage employs employ "
    "is are was were be been being has have had does do did can could should would may might".split()
)
# -ing words that name a thing and may start a phrase ("learning rate", "reasoning models").
THING_ING = frozenset(
    "learning reasoning training computing processing modeling modelling sensing planning "
    "clustering rendering engineering understanding programming scheduling routing tracking "
    "mapping parsing ranking matching pricing forecasting imaging encoding decoding sampling "
    "reading writing recording pooling morphing scaling prompting thinking retrieving lensing "
    "spring string ring king thing wing".split()
)


# One set lookup per word before any regex: most words of an abstract are one of these.
_BREAKS = STOPWORDS | VERBS


def _runs(text: str) -> list[list[str]]:
    """The runs of candidate words as written: maximal stretches of words between
    punctuation, formulas, stopwords and verbs."""
    runs: list[list[str]] = []
    for piece in _SPLIT.split(text):
        run: list[str] = []
        for raw in piece.split():
            word = raw.strip("-")
            if len(word) > 1 and word.lower() not in _BREAKS and _WORD.match(word):
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def _run_phrases(run: list[str]) -> list[tuple[str, int, int]]:
    """Every 1- to 3-word stretch of a run that may be a phrase: (lowercased, start, size)."""
    lowered = [w.lower() for w in run]
    # "designing sustainable federated": a verb, not a thing, may not start a phrase.
    starts = [i for i, w in enumerate(lowered) if not (w.endswith("ing") and w not in THING_ING)]
    n = len(run)
    found = [(lowered[i], i, 1) for i in starts]
    found += [(f"{lowered[i]} {lowered[i + 1]}", i, 2) for i in starts if i + 1 < n]
    found += [(f"{lowered[i]} {lowered[i + 1]} {lowered[i + 2]}", i, 3) for i in starts if i + 2 < n]
    return found


def candidates(text: str) -> list[str]:
    """Every 1- to 3-word stretch of the runs between punctuation and stopwords, lowercased."""
    return [phrase for run in _runs(text) for phrase, _, _ in _run_phrases(run)]


def candidate_set(title: str, abstract: str) -> set[str]:
    """The distinct candidates of a paper: what its document frequencies count."""
    return {phrase for text in (title, abstract) for run in _runs(text) for phrase, _, _ in _run_phrases(run)}


def shown_form(words: list[str]) -> str:
    """A phrase as a reader should see it: a word keeps its case where, in one of its
    hyphenated parts, a capital follows the part's first letter (acronyms, names: "GPT-4",
    "LoRA", "SKILL.md", "H2R-Bench"), else it is lowercased: the capitals of a title
    ("Age-Structured", "Human-to-Robot") or of a sentence's first word say nothing."""
    return " ".join(w if _cased(w) else w.lower() for w in words)


def _cased(word: str) -> bool:
    return any(part[1:] != part[1:].lower() for part in word.split("-"))


def display_forms(title: str, abstract: str) -> dict[str, str]:
    """Each candidate's shown form in this paper, the title's spelling first."""
    return paper_phrases(title, abstract)[1]


def paper_candidates(title: str, abstract: str) -> Counter[str]:
    """Candidate counts of one paper; the title's count twice."""
    return Counter(phrase_counts(title, abstract)[0])


def paper_phrases(title: str, abstract: str) -> tuple[Counter[str], dict[str, str]]:
    """One pass over a paper: candidate counts (the title's twice) and each candidate's
    shown form (the title's spelling first)."""
    counts, written = phrase_counts(title, abstract)
    return Counter(counts), {phrase: shown_form(words) for phrase, words in written.items()}


def phrase_counts(title: str, abstract: str) -> tuple[dict[str, int], dict[str, list[str]]]:
    """One pass over a paper: candidate counts (the title's twice) and the words of each
    candidate as first written (the title's spelling first), for `shown_form` to be applied
    to the few that are chosen only."""
    counts: dict[str, int] = {}
    written: dict[str, list[str]] = {}
    for text, weight in ((title, 2), (abstract, 1)):
        for run in _runs(text):
            for phrase, i, size in _run_phrases(run):
                if phrase in counts:
                    counts[phrase] += weight
                else:
                    counts[phrase] = weight
                    written[phrase] = run[i : i + size]
    return counts, written


def key_phrases(
    title: str, abstract: str, doc_freq: Callable[[str], int], total: int, limit: int = 5
) -> list[str]:
    """The `limit` best candidates in their shown form, none contained in a better one (no
    "neural" under "graph neural networks"). doc_freq(phrase) counts the corpus's papers
    with the (lowercased) phrase."""
    counts, written = phrase_counts(title, abstract)
    return choose_phrases(counts, written, doc_freq, total, limit)


def choose_phrases(
    counts: Mapping[str, int],
    written: Mapping[str, list[str]],
    doc_freq: Callable[[str], int],
    total: int,
    limit: int = 5,
) -> list[str]:
    """`key_phrases` from a paper's `phrase_counts`, for a caller that has them already
    (the indexer counts a batch's candidates before it chooses any)."""
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
        if any(overlaps(phrase, other) for other in chosen):
            continue
        chosen.append(phrase)
        if len(chosen) == limit:
            break
    return [shown_form(written[phrase]) if phrase in written else phrase for phrase in chosen]


def choosable(
    counts: Mapping[str, int], written: Mapping[str, list[str]]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The part of a paper's `phrase_counts` that `choose_phrases` weighs (it skips a single
    word said once), so the same choice from ~60% of the memory: for a caller that keeps
    many papers' candidates."""
    kept = {phrase: count for phrase, count in counts.items() if count > 1 or " " in phrase}
    return kept, {phrase: written[phrase] for phrase in kept}


def phrase_key(phrase: str) -> str:
    """What two spellings of one key phrase share: lowercased, single spaces ("LoRA  Adapters"
    and "lora adapters" are one phrase to `kw:` search)."""
    return " ".join(phrase.lower().split())


def holds_phrase(keywords: Iterable[str], phrase: str) -> bool:
    """What `kw:phrase` asks of a paper's key phrases: one of them is the phrase or holds it
    as a run of whole words ("lora" in "LoRA adapters", not "lo"), case ignored."""
    wanted = f" {phrase_key(phrase)} "
    return wanted.strip() != "" and any(wanted in f" {phrase_key(k)} " for k in keywords)


def overlaps(phrase: str, other: str) -> bool:
    """Whether one phrase is a run of the other's words ("neural" in "graph neural networks",
    but not "ai" in "chain")."""
    a, b = f" {phrase} ", f" {other} "
    return a in b or b in a


def document_frequencies(papers: Iterable[tuple[str, str]]) -> Counter[str]:
    """How many of `papers` (title, abstract) have each candidate: the corpus side of idf."""
    df: Counter[str] = Counter()
    for title, abstract in papers:
        df.update(candidate_set(title, abstract))
    return df
