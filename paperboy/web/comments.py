"""Comment forms on a paper's page: add (or reply), edit and delete one's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.services.catalogue import find_paper
from paperboy.services.community import comments as community_comments
from paperboy.web.auth import SignedInUser
from paperboy.web.client_address import client_ip
from paperboy.web.community_responses import (
    REFUSALS,
    error_page,
    sign_in_first,
    status_of,
    with_retry_after,
)
from paperboy.web.context import AppContext, Context
from paperboy.web.pages import paper_page
from paperboy.web.presenters import paper_path

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

# The service refuses long comments with a clear message; this only bounds what is echoed back.
MAX_ECHO = 20_000


@router.post("/papers/{key:path}/comments")
def add_comment(
    context: Context,
    request: Request,
    user: SignedInUser,
    key: str,
    body: Annotated[str, Form()] = "",
    parent_id: Annotated[str, Form()] = "",
) -> Response:
    """Add a comment (a reply when parent_id is given); on success, go to it."""
    if user is None:
        return sign_in_first(request)
    parent = int(parent_id) if parent_id.strip().isdigit() else None
    try:
        added = community_comments.add_comment(context.db, user, key, body, client_ip(request), parent)
    except REFUSALS as refusal:
        return _page_again(request, context, key, refusal, f"reply-{parent}" if parent else "new", body)
    return RedirectResponse(f"{paper_path(added.paper_key)}#comment-{added.id}", status_code=303)


@router.post("/comments/{comment_id}/edit")
def edit_comment(
    context: Context, request: Request, user: SignedInUser, comment_id: int, body: Annotated[str, Form()] = ""
) -> Response:
    if user is None:
        return sign_in_first(request)
    try:
        original = community_comments.get_comment(context.db, comment_id, user)
    except REFUSALS as refusal:
        return error_page(request, refusal)
    try:
        edited = community_comments.edit_comment(context.db, user, comment_id, body)
    except REFUSALS as refusal:
        return _page_again(request, context, original.paper_key, refusal, f"edit-{comment_id}", body)
    return RedirectResponse(f"{paper_path(edited.paper_key)}#comment-{edited.id}", status_code=303)


@router.post("/comments/{comment_id}/delete")
def delete_comment(context: Context, request: Request, user: SignedInUser, comment_id: int) -> Response:
    if user is None:
        return sign_in_first(request)
    try:
        original = community_comments.get_comment(context.db, comment_id, user)
        community_comments.delete_comment(context.db, user, comment_id)
    except REFUSALS as refusal:
        return error_page(request, refusal)
    return RedirectResponse(f"{paper_path(original.paper_key)}#comments", status_code=303)


def _page_again(
    request: Request, context: AppContext, key: str, refusal: Exception, form: str, draft: str
) -> Response:
    """The paper's page with the refused form's message and the text kept, so nothing typed is lost."""
    stored = find_paper(context.db, key)
    if stored is None:
        return error_page(request, refusal)
    page = paper_page(
        request,
        context,
        stored,
        status_code=status_of(refusal),
        problem=str(refusal),
        problem_form=form,
        draft=draft[:MAX_ECHO],
    )
    return with_retry_after(page, refusal)
