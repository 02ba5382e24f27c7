"""How papers, days and links read on the page. Pure functions, used by templates."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from paperboy.domain import Paper

ABSTRACT_PREVIEW_CHARS = 300
AUTHORS_SHOWN = 12


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


def abstract_preview(text: str, limit: int = ABSTRACT_PREVIEW_CHARS) -> str:
    """The abstract's opening, cut at a word boundary; the whole text when short."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


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


def feed_path(day: date, period: str = "day", page: int = 1) -> str:
    params = {
        k: v
        for k, v in (("period", period), ("page", page))
        if (k, v) not in (("period", "day"), ("page", 1))
    }
    return f"/papers/{day.isoformat()}" + (f"?{urlencode(params)}" if params else "")


def with_page(path: str, params: dict[str, object], page: int) -> str:
    """A URL for another page of the same listing."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    kept["page"] = page
    return f"{path}?{urlencode(kept)}"
