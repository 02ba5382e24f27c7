"""Admin pages: the moderation log, banning and unbanning, hiding comments and listings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.services.accounts import list_users
from paperboy.services.community import moderation
from paperboy.web.auth import SignedInUser
from paperboy.web.community_responses import REFUSALS, admins_only, error_page, safe_next, status_of
from paperboy.web.context import AppContext, Context
from paperboy.web.params import PageNumber
from paperboy.web.presenters import paper_path
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

AUDIT_PER_PAGE = 50


def _checked(value: str) -> bool:
    """A form's hidden on/off field: "0" (and "false", "") turn the action back; anything else does it."""
    return value.strip().lower() not in ("0", "false", "")


@router.get("/admin")
def admin_page(context: Context, request: Request, page: PageNumber = 1) -> Response:
    refused = admins_only(request)
    if refused is not None:
        return refused
    return _admin_page(request, context, page)


@router.post("/admin/users/ban")
def ban(
    context: Context,
    request: Request,
    user: SignedInUser,
    account: Annotated[str, Form(alias="user")] = "",
    reason: Annotated[str, Form()] = "",
    banned: Annotated[str, Form()] = "1",
) -> Response:
    """Ban (or, with banned=0, unban) an account by address or id; back to /admin with the result."""
    refused = admins_only(request)
    if refused is not None:
        return refused
    assert user is not None
    try:
        target = moderation.ban_user(context.db, user, account.strip()[:300], reason, _checked(banned))
    except REFUSALS as refusal:
        return _admin_page(
            request, context, 1, status_code=status_of(refusal), problem=str(refusal), account=account[:300]
        )
    done = "banned; their sessions have ended" if target.banned else "can take part again"
    return _admin_page(request, context, 1, notice=f"{target.email} {done}.")


@router.post("/admin/comments/{comment_id}/hide")
def hide_comment(
    context: Context,
    request: Request,
    user: SignedInUser,
    comment_id: int,
    reason: Annotated[str, Form()] = "",
    hidden: Annotated[str, Form()] = "1",
    next: Annotated[str, Form()] = "",  # noqa: A002  (the form field's name)
) -> Response:
    refused = admins_only(request)
    if refused is not None:
        return refused
    assert user is not None
    try:
        moderation.hide_comment(context.db, user, comment_id, reason, _checked(hidden))
    except REFUSALS as refusal:
        return error_page(request, refusal)
    return RedirectResponse(safe_next(next, "/admin"), status_code=303)


@router.post("/admin/listings/{key:path}/hide")
def hide_listing(
    context: Context,
    request: Request,
    user: SignedInUser,
    key: str,
    reason: Annotated[str, Form()] = "",
    hidden: Annotated[str, Form()] = "1",
    next: Annotated[str, Form()] = "",  # noqa: A002  (the form field's name)
) -> Response:
    refused = admins_only(request)
    if refused is not None:
        return refused
    assert user is not None
    try:
        moderation.hide_listing(context.db, user, key, reason, _checked(hidden))
    except REFUSALS as refusal:
        return error_page(request, refusal)
    return RedirectResponse(safe_next(next, paper_path(key)), status_code=303)


def _admin_page(
    request: Request, context: AppContext, page: int, status_code: int = 200, **extra: object
) -> Response:
    entries = moderation.audit_log(context.db, AUDIT_PER_PAGE + 1, (page - 1) * AUDIT_PER_PAGE)
    banned = [account for account in list_users(context.db) if account.banned]
    extra.setdefault("account", "")
    return render(
        request,
        "admin.html",
        status_code=status_code,
        entries=entries[:AUDIT_PER_PAGE],
        page=page,
        has_next=len(entries) > AUDIT_PER_PAGE,
        banned_users=banned,
        **extra,
    )
