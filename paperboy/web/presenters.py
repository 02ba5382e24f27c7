"""How papers, days and links read on the page. Pure functions, used by templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from paperboy.domain import Paper
from paperboy.domain.arxiv_ids import abs_page_url, pdf_url
from paperboy.domain.authors import shown_authors
from paperboy.web.cards import (
    AUTHORS_ON_CARD,
    author_page_url,
    author_search_url,
    category_search_url,
    doi_url,
    paper_path,
)

__all__ = ["author_page_url", "author_search_url", "category_search_url", "doi_url", "paper_path"]

# The paper page names the authors (linked) up to this many.
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


def arxiv_abs_url(paper: Paper) -> str | None:
    return abs_page_url(paper.arxiv_id) if paper.arxiv_id else None


def arxiv_pdf_url(paper: Paper) -> str | None:
    return pdf_url(paper.arxiv_id) if paper.arxiv_id else None


def author_links(paper: Paper, limit: int = AUTHORS_ON_CARD) -> tuple[list[AuthorLink], int]:
    """The first `limit` authors, each linked to their author page, and how many more."""
    names, left = shown_authors((a.name for a in paper.authors), limit)
    return [AuthorLink(name, author_page_url(name)) for name in names], left


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


def map_url(day: date, period: str, q: str = "") -> str:
    """The topic map of the period around day, a search's papers marked on it if q."""
    query = {"day": day.isoformat(), "period": period, **({"q": q} if q else {})}
    return "/map?" + urlencode(query)
