"""An author's page: their papers newest first, who they write with, in which categories,
and how many papers a month. The keyword index finds the papers (the `author:"name"`
phrase, then only exact names are kept), so a page costs one index lookup, one read of
the author's bylines (no text), and one of the papers on the page shown, however large
the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from paperboy.domain import PaperByline, StoredPaper
from paperboy.domain.authors import MAX_AUTHOR_NAME, author_name_key
from paperboy.domain.errors import UserFacingError
from paperboy.index.keyword import KeywordIndex
from paperboy.store import Database
from paperboy.store.changes import papers_by_id
from paperboy.store.papers import bylines_by_id

# Papers an author page reads at most (the newest); a prolific author has a few hundred.
MAX_AUTHOR_PAPERS = 2_000
TOP_COAUTHORS = 12
TOP_CATEGORIES = 8


class AuthorNameError(UserFacingError, ValueError):
    """The name cannot be an author's (empty after folding, or too long)."""


@dataclass(frozen=True)
class AuthorProfile:
    name: str  # as most of their papers spell it
    papers: tuple[PaperByline, ...]  # newest first, at most MAX_AUTHOR_PAPERS
    total: int  # papers with this exact name (of the ones read)
    capped: bool  # more papers carry the name than were read
    coauthors: tuple[tuple[str, int], ...]  # most shared papers first
    categories: tuple[tuple[str, int], ...]  # by primary category, most papers first
    months: tuple[tuple[date, int], ...]  # every month from the first paper to the last
    pages: int  # of per_page papers (at least 1)
    shown: tuple[StoredPaper, ...]  # the page asked for, in full; empty past the last page


def author_profile(
    db: Database, index: KeywordIndex, name: str, page: int, per_page: int
) -> AuthorProfile | None:
    """The author called `name` (accents, case and punctuation aside) with page `page` of
    their papers (per_page a page), or None when no paper in the library has them."""
    wanted = author_name_key(name) if len(name) <= MAX_AUTHOR_NAME else ""
    if not wanted:
        raise AuthorNameError(
            f"An author's name must have letters or digits and at most {MAX_AUTHOR_NAME} characters."
        )
    ids, found = index.author_ids(name, MAX_AUTHOR_PAPERS)
    with db.connect() as conn:
        bylines = bylines_by_id(conn, ids)
        papers: list[PaperByline] = []
        spellings: Counter[str] = Counter()
        coauthors: Counter[str] = Counter()
        spelled: dict[str, str] = {}  # a co-author's name as their newest shared paper writes it
        for paper_id in ids:  # the index's order: newest first
            byline = bylines.get(paper_id)
            if byline is None:
                continue  # withdrawn, or gone from the store since the index saw it
            names = byline.authors
            keys = [author_name_key(n) for n in names]
            if wanted not in keys:
                continue  # the phrase matched inside a longer name ("Wei Wang" in "Wei Wangsa")
            spellings[names[keys.index(wanted)]] += 1
            for other, key in set(zip(names, keys, strict=True)):
                if key and key != wanted:
                    coauthors[key] += 1
                    spelled.setdefault(key, other)
            papers.append(byline)
        if not papers:
            return None
        papers.sort(key=lambda p: p.day or date.min, reverse=True)
        start = (page - 1) * per_page
        on_page = [p.id for p in papers[start : start + per_page]]
        stored = papers_by_id(conn, on_page)
    categories = Counter(p.primary_category for p in papers if p.primary_category)
    return AuthorProfile(
        name=spellings.most_common(1)[0][0],
        papers=tuple(papers),
        total=len(papers),
        capped=found > len(ids),
        coauthors=tuple(
            (spelled[key], count)
            for key, count in sorted(coauthors.items(), key=lambda kc: (-kc[1], kc[0]))[:TOP_COAUTHORS]
        ),
        categories=tuple(sorted(categories.items(), key=lambda cc: (-cc[1], cc[0]))[:TOP_CATEGORIES]),
        months=monthly_counts([p.day for p in papers if p.day]),
        pages=max((len(papers) + per_page - 1) // per_page, 1),
        shown=tuple(stored[i] for i in on_page if i in stored),
    )


def monthly_counts(days: list[date]) -> tuple[tuple[date, int], ...]:
    """Papers per month, every month from the earliest day to the latest (zeros included)."""
    if not days:
        return ()
    counts = Counter(d.replace(day=1) for d in days)
    month, last = min(counts), max(counts)
    filled = []
    while month <= last:
        filled.append((month, counts.get(month, 0)))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(filled)
