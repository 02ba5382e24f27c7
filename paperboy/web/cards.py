"""What a paper's card shows, worked out in Python once per card so the template only places
it: a whole day is a thousand cards, and every macro call, URL quoting and escaped value
the template handles per card is paid a thousand times (bench/day_page.py). For the same
reason the two loops of a card, its authors and its categories, are written here as
escaped HTML (every name through markupsafe.escape; URLs are built from quoted parts)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus

from markupsafe import Markup, escape

from paperboy.domain import Paper
from paperboy.domain.arxiv_ids import abs_page_url, pdf_url
from paperboy.domain.authors import shown_authors
from paperboy.web.mathml import render_math

# A card names this many authors (linked), fewer in the compact layout.
AUTHORS_ON_CARD = 5
AUTHORS_ON_COMPACT_CARD = 3
# Longer abstracts are clamped (CSS) with a toggle to expand them in place.
CLAMP_CHARS = 300
CLAMP_CHARS_COMPACT = 90
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9 .-]+$")
# Rendered cards remembered per paper content and layout: a few days' lists in both layouts.
CARD_CACHE_SIZE = 6_000


@dataclass(frozen=True, slots=True)
class CardView:
    path: str
    title_html: Markup
    abstract_html: Markup
    clamped: bool
    authors_html: Markup  # <p class="authors"> with each name linked to its author page, or ""
    categories_html: Markup  # <ul class="tags">, primary category first and marked, or ""
    keywords_html: Markup  # <ul class="keywords">, each key phrase a kw: search, or ""
    abs_url: str | None
    pdf_url: str | None
    code_url: str | None
    doi_url: str | None
    published: str | None


def card_view(key: str, paper: Paper, compact: bool = False) -> CardView:
    """The card of one paper, in the comfortable or the compact layout."""
    return CardView(
        path=paper_path(key),
        title_html=render_math(paper.title),
        abstract_html=render_math(paper.abstract),
        clamped=len(paper.abstract) > (CLAMP_CHARS_COMPACT if compact else CLAMP_CHARS),
        authors_html=authors_html(paper, AUTHORS_ON_COMPACT_CARD if compact else AUTHORS_ON_CARD),
        categories_html=categories_html(paper.categories, 1 if compact else None),
        # The compact layout keeps to one line of links: its cards leave the phrases out.
        keywords_html=Markup("") if compact else keywords_html(paper.keywords),
        abs_url=abs_page_url(paper.arxiv_id) if paper.arxiv_id else None,
        pdf_url=pdf_url(paper.arxiv_id) if paper.arxiv_id else None,
        code_url=paper.code_url,
        doi_url=doi_url(paper),
        published=f"{paper.published.day} {paper.published:%b %Y}" if paper.published else None,
    )


def doi_url(paper: Paper) -> str | None:
    """The doi.org link of the paper's DOI, or None without one (cards, the paper page, the API)."""
    return f"https://doi.org/{quote(paper.doi, safe='/:;()._-')}" if paper.doi else None


def authors_html(paper: Paper, limit: int) -> Markup:
    """The first `limit` authors, each linked to their page, and how many more."""
    names, left = shown_authors((a.name for a in paper.authors), limit)
    if not names:
        return Markup("")
    links = ", ".join(f'<a href="{author_page_url(n)}">{escape(n)}</a>' for n in names)
    more = f" and {left:,} more" if left else ""
    return Markup(f'<p class="authors">{links}{more}</p>')


@lru_cache(maxsize=4096)
def categories_html(categories: tuple[str, ...], limit: int | None = None) -> Markup:
    """The categories as search links, the primary one first and marked; "+N" past limit."""
    if not categories:
        return Markup("")
    shown = categories[:limit] if limit else categories
    items = "".join(
        f'<li><a href="{escape(category_search_url(c))}"'
        + (' class="primary" title="Primary category"' if i == 0 else "")
        + f">{escape(c)}</a></li>"
        for i, c in enumerate(shown)
    )
    if len(categories) > len(shown):
        items += f'<li class="more-tags">+{len(categories) - len(shown)}</li>'
    return Markup(f'<ul class="tags" aria-label="Categories">{items}</ul>')


def keywords_html(keywords: tuple[str, ...]) -> Markup:
    """The paper's key phrases as chips, each a `kw:` search for the papers that have it."""
    if not keywords:
        return Markup("")
    items = "".join(f'<li><a href="{escape(keyword_search_url(k))}">{escape(k)}</a></li>' for k in keywords)
    return Markup(f'<ul class="keywords" aria-label="Key phrases">{items}</ul>')


def keyword_search_url(keyword: str) -> str:
    """A search for the papers with this key phrase: /search?q=kw%3A%22graph+neural+networks%22."""
    phrase = " ".join(keyword.replace('"', " ").split())
    return "/search?q=" + quote_plus(f'kw:"{phrase}"')


@lru_cache(maxsize=4096)
def paper_path(key: str) -> str:
    """The paper page's path: /papers/2405.07518, /papers/hep-th/9901001, /papers/title%3A..."""
    return "/papers/" + quote(key, safe="/.-")


def author_page_url(name: str) -> str:
    """The author's page: /authors/ and the name, spaces and all quoted ("/" too)."""
    phrase = " ".join(name.split())
    return "/authors/" + (phrase.replace(" ", "%20") if _PLAIN_NAME.match(phrase) else quote(phrase, safe=""))


def author_search_url(name: str) -> str:
    """A search for the author's name as a phrase; quotes in the name are dropped."""
    phrase = " ".join(name.replace('"', " ").split())
    # Most names need no quoting beyond spaces; quote_plus is slow enough to matter here.
    words = phrase.replace(" ", "+") if _PLAIN_NAME.match(phrase) else quote_plus(phrase)
    return f"/search?q=author%3A%22{words}%22"


@lru_cache(maxsize=4096)
def category_search_url(category: str) -> str:
    return "/search?q=cat%3A" + quote_plus(category)


# (head HTML, meta HTML, the paper page's path, whether the abstract is clamped)
CardParts = tuple[Markup, Markup, str, bool]


class CardCache:
    """The parts of cards that depend on the paper alone, rendered once and remembered.

    Keyed by everything the parts show (so a changed paper is simply a new entry, and the
    old one ages out), least recently used first out; safe across the server's threads.
    """

    def __init__(
        self, render: Callable[[CardView, bool], tuple[Markup, Markup]], size: int = CARD_CACHE_SIZE
    ):
        self._render = render
        self._size = size
        self._parts: OrderedDict[tuple[object, ...], CardParts] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: str, paper: Paper, compact: bool) -> CardParts:
        content = (
            key, compact, paper.title, paper.abstract, paper.authors, paper.categories,
            paper.published, paper.arxiv_id, paper.code_url, paper.doi, paper.keywords,
        )  # fmt: skip
        with self._lock:
            found = self._parts.get(content)
            if found is not None:
                self._parts.move_to_end(content)
                return found
        view = card_view(key, paper, compact)
        head, meta = self._render(view, compact)
        parts = (head, meta, view.path, view.clamped)
        with self._lock:
            self._parts[content] = parts
            while len(self._parts) > self._size:
                self._parts.popitem(last=False)
        return parts

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
