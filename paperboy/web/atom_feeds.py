"""Atom feeds: a day's papers, and any search as a feed a reader can subscribe to.

Every link and id starts with the configured base URL (as the links in mail do), never
the request's Host header: a feed fetched with a forged Host must not point readers, or
a cache, at another site.
"""

from __future__ import annotations

from datetime import datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from paperboy.domain import Paper
from paperboy.search.query import QuerySyntaxError
from paperboy.services.feed import feed_page, latest_feed_day
from paperboy.web.atom import AtomEntry, atom_document
from paperboy.web.context import Context, SearchUnavailableError
from paperboy.web.errors import bad_request, not_found, unavailable
from paperboy.web.params import CategoryParam, DayParam, ModeParam, SearchText
from paperboy.web.presenters import arxiv_abs_url, arxiv_pdf_url, feed_path, long_date, paper_path

router = APIRouter(prefix="/feeds", include_in_schema=False)
ATOM = "application/atom+xml; charset=utf-8"
FEED_ENTRIES = 100
SEARCH_ENTRIES = 50


@router.get("/papers.atom")
def papers_feed(context: Context, date: DayParam = None) -> Response:
    """The papers of one day (default: the latest day with papers), most upvoted first."""
    day = date or latest_feed_day(context.db)
    base = context.settings.effective_base_url
    if day is None:
        raise not_found("There are no papers on any feed day yet.", "date")
    listing = feed_page(context.db, day, "day", 1, FEED_ENTRIES)
    entries = [
        _entry(base, item.key, item.paper, datetime.combine(item.first_day, time())) for item in listing.items
    ]
    document = atom_document(
        feed_id=f"{base}/feeds/papers.atom?date={day.isoformat()}",
        title=f"Daily Papers — {long_date(day)}",
        subtitle="Papers chosen by the research community",
        self_url=f"{base}/feeds/papers.atom" + (f"?date={day.isoformat()}" if date else ""),
        alternate_url=base + feed_path(day),
        updated=max((e.updated for e in entries), default=datetime.combine(day, time())),
        entries=entries,
    )
    return Response(document, media_type=ATOM)


@router.get("/search.atom")
def search_feed(
    context: Context,
    q: SearchText,
    mode: ModeParam = "hybrid",
    category: CategoryParam = None,
    after: DayParam = None,
    before: DayParam = None,
) -> Response:
    """A saved search as a feed: its best matches, newest changes first in the reader."""
    if not q.strip():
        raise bad_request("The query is empty; give q, e.g. /feeds/search.atom?q=sparse+attention", "q")
    try:
        results = context.search().search(
            q, mode=mode, page=1, per_page=SEARCH_ENTRIES, category=category, after=after, before=before
        )
    except QuerySyntaxError as exc:
        raise bad_request(exc.message, "q") from None
    except SearchUnavailableError as exc:
        raise unavailable(str(exc)) from None
    base = context.settings.effective_base_url
    given = {"q": q, "mode": mode, "category": category, "after": after, "before": before}
    feed_params = {k: v for k, v in given.items() if v}
    # The search page calls the category "cat".
    params = {("cat" if k == "category" else k): v for k, v in feed_params.items()}
    entries = [
        _entry(base, hit.key, hit.paper, hit.paper.updated or hit.paper.published or datetime(1970, 1, 1))
        for hit in results.hits
    ]
    document = atom_document(
        feed_id=f"{base}/feeds/search.atom?{urlencode(params)}",
        title=f"Paperboy search: {q}",
        self_url=f"{base}/feeds/search.atom?{urlencode(feed_params)}",
        alternate_url=f"{base}/search?{urlencode(params)}",
        updated=max((e.updated for e in entries), default=datetime(1970, 1, 1)),
        entries=entries,
    )
    return Response(document, media_type=ATOM)


def _entry(base: str, key: str, paper: Paper, fallback: datetime) -> AtomEntry:
    link = base + paper_path(key)
    return AtomEntry(
        id=link,
        title=paper.title,
        link=link,
        updated=paper.updated or paper.published or fallback,
        summary=paper.abstract,
        authors=tuple(a.name for a in paper.authors),
        categories=paper.categories,
        related=tuple(u for u in (arxiv_abs_url(paper), arxiv_pdf_url(paper), paper.code_url) if u),
    )
