"""How papers, days and links read on the page. Pure functions, used by templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from paperboy.domain import Paper
from paperboy.domain.tex import cut_outside_math

ABSTRACT_PREVIEW_CHARS = 300
AUTHORS_SHOWN = 12
# A card names this many authors (linked); the paper page names them all up to AUTHORS_ON_PAGE.
AUTHORS_ON_CARD = 5
AUTHORS_ON_PAGE = 100
LAYOUTS = ("comfortable", "compact")
LAYOUT_COOKIE = "paperboy_layout"
SORT_LABELS = {"trending": "Trending", "newest": "Newest", "discussed": "Most discussed"}
SORT_ORDERS = {
    "trending": "trending first (recent upvotes count most)",
    "newest": "newest first",
    "discussed": "most discussed first",
}


@dataclass(frozen=True)
class AuthorLink:
    name: str
    url: str


def paper_path(key: str) -> str:
    """The paper page's path: /papers/2405.07518, /papers/hep-th/9901001, /papers/title%3A..."""
    return "/papers/" + quote(key, safe="/.-")


def arxiv_abs_url(paper: Paper) -> str | None:
    return f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None


def arxiv_pdf_url(paper: Paper) -> str | None:
    return f"https://arxiv.org/pdf/{paper.arxiv_id}" if paper.arxiv_id else None


def doi_url(paper: Paper) -> str | None:
    return f"https://doi.org/{quote(paper.doi, safe='/:;()._-')}" if paper.doi else None


def author_line(paper: Paper, limit: int = AUTHORS_SHOWN) -> str:
    """ "A, B and C", or the first `limit` names and how many more."""
    names = [a.name for a in paper.authors]
    if not names:
        return ""
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit:,} more"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def author_links(paper: Paper, limit: int = AUTHORS_ON_CARD) -> tuple[list[AuthorLink], int]:
    """The first `limit` authors, each linked to a search for their name, and how many more."""
    names = [a.name for a in paper.authors if a.name.strip()]
    shown = [AuthorLink(name, author_search_url(name)) for name in names[:limit]]
    return shown, max(len(names) - limit, 0)


def author_search_url(name: str) -> str:
    # Quotes inside the name would end the phrase early; the search ignores them anyway.
    phrase = " ".join(name.replace('"', " ").split())
    return "/search?" + urlencode({"q": f'author:"{phrase}"'})


def category_search_url(category: str) -> str:
    return "/search?" + urlencode({"q": f"cat:{category}"})


def abstract_preview(text: str, limit: int = ABSTRACT_PREVIEW_CHARS) -> str:
    """The abstract's opening, cut at a word boundary and never inside a formula; the whole
    text when short."""
    return cut_outside_math(text, limit)


def layout_of(cookie: str | None) -> str:
    """The card layout a reader chose (the layout cookie), comfortable by default."""
    return cookie if cookie in LAYOUTS else "comfortable"


def long_date(day: date) -> str:
    return f"{day:%A}, {day.day} {day:%B %Y}"


def short_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def period_label(period: str, first: date, last: date) -> str:
    if period == "day":
        return long_date(first)
    if period == "week":
        return f"Week of {first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first:%B %Y}"


def period_heading(period: str) -> str:
    """What a list of the period is called: a day's, a week's or a month's papers."""
    return {"day": "Daily Papers", "week": "Papers of the Week", "month": "Papers of the Month"}[period]


def feed_path(
    day: date, period: str = "day", page: int = 1, sort: str = "trending", category: str | None = None
) -> str:
    """The list's address; defaults are left out, so the plain day is /papers/YYYY-MM-DD."""
    defaults = (("period", "day"), ("page", 1), ("sort", "trending"), ("cat", None))
    params = {
        k: v
        for k, v in (("period", period), ("sort", sort), ("cat", category), ("page", page))
        if (k, v) not in defaults
    }
    return f"/papers/{day.isoformat()}" + (f"?{urlencode(params)}" if params else "")


def with_page(path: str, params: dict[str, object], page: int) -> str:
    """A URL for another page of the same listing."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    kept["page"] = page
    return f"{path}?{urlencode(kept)}"
