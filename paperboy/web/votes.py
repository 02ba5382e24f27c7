"""The upvote button: a form that toggles the vote, or JSON for app.js (no reload)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.services.community.votes import toggle_vote
from paperboy.web.auth import SignedInUser
from paperboy.web.client_address import client_ip
from paperboy.web.community_responses import (
    REFUSALS,
    error_page,
    safe_next,
    sign_in_first,
    wants_json,
)
from paperboy.web.context import Context
from paperboy.web.presenters import paper_path

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.post("/papers/{key:path}/vote")
def vote(
    context: Context,
    request: Request,
    user: SignedInUser,
    key: str,
    next: Annotated[str, Form()] = "",  # noqa: A002  (the form field's name)
) -> Response:
    """Toggle the signed-in user's vote; a form goes back where it came from."""
    if user is None:
        return sign_in_first(request)
    try:
        state = toggle_vote(context.db, user, key, client_ip(request))
    except REFUSALS as refusal:
        return error_page(request, refusal)
    if wants_json(request):
        return JSONResponse({"paper": state.paper_key, "voted": state.voted, "votes": state.votes})
    return RedirectResponse(safe_next(next, paper_path(state.paper_key)), status_code=303)
