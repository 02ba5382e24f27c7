"""HTML pages: the daily feed, paper pages and search. Parse, call one service, render."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from paperboy.domain import StoredPaper
from paperboy.domain.bibtex import bibtex_entry
from paperboy.search.query import QuerySyntaxError
from paperboy.services.catalogue import find_paper
from paperboy.services.community.discussion import discussion_of
from paperboy.services.feed import feed_page, latest_feed_day
from paperboy.services.finding.activity import WeeklyTrend
from paperboy.services.insight.rising import RisingReport, rising_categories
from paperboy.web.charts import bar_chart, weekly_bars
from paperboy.web.community_responses import safe_next
from paperboy.web.context import AppContext, Context, SearchUnavailableError
from paperboy.web.errors import not_found
from paperboy.web.markdown import render_markdown
from paperboy.web.params import (
    DATE_PATTERN,
    CategoryParam,
    DayParam,
    ModeParam,
    PageNumber,
    PeriodParam,
    SearchText,
    SortParam,
    parse_day,
)
from paperboy.web.presenters import LAYOUT_COOKIE, LAYOUTS, period_label
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# A day reads as one page, as on Hugging Face's Daily Papers, but arrives in parts: a real
# arXiv day has 300 to 1,650 papers (5.6 MB of HTML at once), so the page brings the first
# DAY_PART cards, several screens' worth, and app.js appends the next parts as the reader
# scrolls. Without script the parts are pages. Weeks and months are split into pages of
# FEED_PER_PAGE.
DAY_PART = 50
FEED_PER_PAGE = 50
SEARCH_PER_PAGE = 20
LAYOUT_COOKIE_SECONDS = 365 * 24 * 3600


@router.get("/")
def home(
    context: Context,
    request: Request,
    period: PeriodParam = "day",
    page: PageNumber = 1,
    sort: SortParam = "trending",
    category: CategoryParam = None,
) -> Response:
    """The latest day that has papers (arXiv announces nothing at weekends)."""

    def home_page() -> HTMLResponse:
        day = latest_feed_day(context.db)
        if day is None:
            return render(request, "empty.html")
        rising = None
        if period == "day" and page == 1 and category is None:
            rising = context.remembered(("rising", day), lambda: rising_categories(context.db, day))
        return _feed(request, context, day, period, page, sort, category, rising=rising)

    return context.kept(request, home_page)


@router.get("/layout")
def choose_layout(
    context: Context,
    layout: Annotated[Literal["comfortable", "compact"], Query(alias="set")],
    next: str = "/",
) -> RedirectResponse:
    """Remember the reader's card layout in a cookie, then go back to the page (on this site only)."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if layout in LAYOUTS:
        response.set_cookie(
            LAYOUT_COOKIE,
            layout,
            max_age=LAYOUT_COOKIE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=context.settings.secure_cookies,
        )
    return response


@router.get("/papers/{identifier:path}")
def papers(
    context: Context,
    request: Request,
    identifier: str,
    period: PeriodParam = "day",
    page: PageNumber = 1,
    sort: SortParam = "trending",
    category: CategoryParam = None,
) -> Response:
    """/papers/2024-05-01 is a day's feed; anything else is a paper id (2405.07518, hep-th/9901001)."""
    if DATE_PATTERN.match(identifier):
        day = parse_day(identifier)
        return context.kept(request, lambda: _feed(request, context, day, period, page, sort, category))

    def page_of_paper() -> HTMLResponse:
        stored = find_paper(context.db, identifier)
        if stored is None:
            raise not_found(
                f"No paper with the id {identifier[:100]!r} is in this library. "
                "Check the id, or search for the paper by its title.",
                "id",
            )
        return paper_page(request, context, stored, notice=_submitted_notice(request))

    return context.kept(request, page_of_paper)


def paper_page(
    request: Request, context: AppContext, stored: StoredPaper, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    """A paper's page with its votes and comments; extra carries a form's problem and text back."""
    discussion = discussion_of(context.db, stored, request.state.user)
    return render(
        request,
        "paper.html",
        status_code=status_code,
        stored=stored,
        paper=stored.paper,
        bibtex=bibtex_entry(stored.key, stored.paper),
        similar=context.similar_papers(stored),
        vote=discussion.vote,
        comments=discussion.comments,
        markdown=render_markdown,
        **extra,
    )


def _submitted_notice(request: Request) -> str | None:
    # /submit redirects here with ?submitted=1; the text is ours, never the query's.
    if request.query_params.get("submitted") == "1":
        return "Thank you: the paper is on today's list."
    return None


@router.get("/search")
def search(
    context: Context,
    request: Request,
    q: SearchText = "",
    mode: ModeParam = "hybrid",
    category: CategoryParam = None,
    after: DayParam = None,
    before: DayParam = None,
    page: PageNumber = 1,
) -> Response:
    """Search results with the query's words marked, filters and pages."""
    form: dict[str, Any] = {"q": q, "mode": mode, "cat": category, "after": after, "before": before}
    if not q.strip():
        return render(request, "search.html", form=form, results=None)
    return context.kept(
        request, lambda: _search_page(request, context, form, q, mode, category, after, before, page)
    )


def _search_page(
    request: Request,
    context: AppContext,
    form: dict[str, Any],
    q: str,
    mode: str,
    category: str | None,
    after: date | None,
    before: date | None,
    page: int,
) -> HTMLResponse:
    try:
        results = context.search().search(
            q, mode=mode, page=page, per_page=SEARCH_PER_PAGE, category=category, after=after, before=before
        )
    except QuerySyntaxError as exc:
        return render(
            request, "search.html", status_code=400, form=form, results=None, query=q, problem=exc.message
        )
    except SearchUnavailableError as exc:
        return render(
            request, "search.html", status_code=503, form=form, results=None, query=q, problem=str(exc)
        )
    if page > 1 and page > results.pages:
        raise not_found(f"Page {page} is past the last page of results ({results.pages}).", "page")
    trend = context.search().trend(q, category=category, after=after, before=before) if page == 1 else None
    chart = _trend_chart(trend)
    map_day = latest_feed_day(context.db) if results.total else None
    return render(
        request, "search.html", form=form, results=results, query=q, trend=trend, chart=chart, map_day=map_day
    )


def _trend_chart(trend: WeeklyTrend | None) -> Markup | None:
    if trend is None or trend.total == 0:
        return None
    return bar_chart(weekly_bars(trend.weeks), "Papers with every word of this search, per week", "trend")


def _feed(
    request: Request,
    context: AppContext,
    day: date,
    period: str,
    page: int,
    sort: str = "trending",
    category: str | None = None,
    rising: RisingReport | None = None,
) -> HTMLResponse:
    viewer = request.state.user
    listing = feed_page(
        context.db,
        day,
        period,  # type: ignore[arg-type]
        page,
        per_page=DAY_PART if period == "day" else FEED_PER_PAGE,
        viewer_id=viewer.id if viewer else None,
        sort=sort,
        category=category,
        with_categories=True,
    )
    if page > listing.pages:
        raise not_found(
            f"Page {page} is past the last page ({listing.pages}) of "
            f"{period_label(period, listing.first_day, listing.last_day)}.",
            "page",
        )
    return render(request, "feed.html", listing=listing, day=day, period=period, rising=rising)
