"""The "for you" page and its JSON twin: the last days' papers ranked for the signed-in reader."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from paperboy.services.for_you import MAX_DAYS, ForYouList, for_you
from paperboy.web.auth import SignedInUser
from paperboy.web.community_responses import sign_in_first
from paperboy.web.context import Context
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False)

Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="how many days back, today included")]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/for-you", response_class=HTMLResponse)
def for_you_page(context: Context, request: Request, user: SignedInUser, days: Days = 7) -> Response:
    """The reader's list; an empty library asks for papers and shows trending meanwhile."""
    if user is None:
        return sign_in_first(request)
    listing = for_you(context.db, context.settings, user, days=days, limit=50)
    return render(request, "for_you.html", listing=listing, days=days)


@router.get("/api/for-you")
def for_you_json(
    context: Context, request: Request, user: SignedInUser, days: Days = 7, limit: Limit = 50
) -> Response:
    """The reader's list as JSON: each paper with its score and reasons."""
    if user is None:
        return sign_in_first(request, json=True)
    listing = for_you(context.db, context.settings, user, days=days, limit=limit)
    response = JSONResponse(_as_json(listing))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _as_json(listing: ForYouList) -> dict[str, object]:
    return {
        "first_day": listing.first_day.isoformat(),
        "last_day": listing.last_day.isoformat(),
        "library_size": listing.library_size,
        "candidates": listing.candidates,
        "needs_library": listing.needs_library,
        "papers": [
            {
                "key": r.paper_key,
                "title": r.paper.title,
                "categories": list(r.paper.categories),
                "score": round(r.score, 4),
                "reasons": [
                    {"kind": x.kind, "text": x.text, "papers": list(x.paper_keys)} for x in r.reasons
                ],
            }
            for r in listing.recommendations
        ],
    }
