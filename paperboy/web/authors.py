"""Author pages: /authors/NAME. Parse, call the author service, render."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from paperboy.services.insight.authors import AuthorNameError, AuthorProfile, author_profile
from paperboy.web.cards import author_search_url
from paperboy.web.charts import bar_chart, monthly_bars
from paperboy.web.context import Context, SearchUnavailableError
from paperboy.web.errors import WebError, not_found
from paperboy.web.params import PageNumber
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

AUTHOR_PER_PAGE = 20


@router.get("/authors/{name:path}")
def author_page(context: Context, request: Request, name: str, page: PageNumber = 1) -> HTMLResponse:
    """An author's papers newest first, frequent co-authors, categories and activity."""
    try:
        index = context.search().keyword_index
        profile = author_profile(context.db, index, name, page, AUTHOR_PER_PAGE)
    except AuthorNameError as exc:
        raise WebError(400, str(exc), "name") from None
    except SearchUnavailableError as exc:
        raise WebError(503, str(exc)) from None
    if profile is None:
        raise not_found(
            f"No paper in this library lists an author named {name[:100]!r}. "
            "Check the spelling, or search for part of the name.",
            "name",
        )
    if page > profile.pages:
        raise not_found(f"Page {page} is past the last page ({profile.pages}).", "page")
    return render(
        request,
        "author.html",
        profile=profile,
        page=page,
        pages=profile.pages,
        per_page=AUTHOR_PER_PAGE,
        items=profile.shown,
        chart=activity_chart(profile),
        search_url=author_search_url(profile.name),
    )


def activity_chart(profile: AuthorProfile) -> Markup:
    return bar_chart(monthly_bars(profile.months), f"Papers by {profile.name} per month", "activity")
