"""The submit page: a signed-in member puts a paper on today's list by arXiv id or URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.services.community.submissions import submit_paper
from paperboy.web.auth import SignedInUser
from paperboy.web.client_address import client_ip
from paperboy.web.community_responses import (
    REFUSALS,
    sign_in_first,
    status_of,
    with_retry_after,
)
from paperboy.web.context import Context
from paperboy.web.presenters import paper_path
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# The service refuses overlong text with a clear message; this only bounds what is echoed back.
MAX_ECHO = 500


@router.get("/submit")
def submit_form(request: Request, user: SignedInUser) -> Response:
    if user is None:
        return RedirectResponse("/sign-in", status_code=303)
    return render(request, "submit.html", text="", problem=None, submission=None)


@router.post("/submit")
def submit(
    context: Context, request: Request, user: SignedInUser, text: Annotated[str, Form()] = ""
) -> Response:
    """A new submission goes to the paper's page; one already listed today says who listed it."""
    if user is None:
        return sign_in_first(request)
    try:
        submission = submit_paper(context.db, context.settings, user, text, client_ip(request))
    except REFUSALS as refusal:
        page = render(
            request,
            "submit.html",
            status_code=status_of(refusal),
            text=text[:MAX_ECHO],
            problem=str(refusal),
            submission=None,
        )
        return with_retry_after(page, refusal)
    if submission.first:
        return RedirectResponse(paper_path(submission.key) + "?submitted=1", status_code=303)
    return render(request, "submit.html", text="", problem=None, submission=submission)
