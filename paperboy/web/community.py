"""Community pages: trending, submit, votes, comments and moderation, as one router for the app."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperboy.services.trending import trending_page
from paperboy.web import comments, moderation, submit, votes
from paperboy.web.context import Context
from paperboy.web.errors import not_found
from paperboy.web.params import PageNumber
from paperboy.web.rendering import render

TRENDING_PER_PAGE = 30

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/trending")
def trending(context: Context, request: Request, page: PageNumber = 1) -> HTMLResponse:
    """The most upvoted recent papers, newest votes counting most; the feed's card layout."""
    viewer = request.state.user
    listing = trending_page(
        context.db, page=page, per_page=TRENDING_PER_PAGE, viewer_id=viewer.id if viewer else None
    )
    if page > listing.pages:
        raise not_found(f"Page {page} is past the last page of trending papers ({listing.pages}).", "page")
    return render(request, "trending.html", listing=listing)


for part in (submit, votes, comments, moderation):
    router.include_router(part.router)
