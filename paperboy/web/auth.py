"""Sign-in by emailed link, sign-out and the account page; the signed-in user on every request."""

from __future__ import annotations

import logging
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from paperboy.config import Settings
from paperboy.domain.accounts import User
from paperboy.mail import MailDeliveryError, MailHeaderError
from paperboy.services import accounts
from paperboy.services.rate_limits import RateLimited
from paperboy.store import Database
from paperboy.web.client_address import client_ip
from paperboy.web.context import AppContext, Context
from paperboy.web.cookies import SESSION, cookie_from_scope, cookie_name
from paperboy.web.rendering import outbox_shown, render

log = logging.getLogger("paperboy.web")

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def session_cookie_name(settings: Settings) -> str:
    return cookie_name(SESSION, settings.secure_cookies)


def _session_cookie(context: AppContext, request: Request) -> str:
    return request.cookies.get(session_cookie_name(context.settings), "")


def current_user(request: Request) -> User | None:
    """FastAPI dependency: the signed-in user, as CurrentUser found them."""
    return getattr(request.state, "user", None)


SignedInUser = Annotated[User | None, Depends(current_user)]


@router.get("/sign-in")
def sign_in_form(request: Request, user: SignedInUser) -> Response:
    if user is not None:
        return RedirectResponse("/account", status_code=303)
    return render(request, "sign_in.html", email="", problem=None)


@router.post("/sign-in")
def sign_in_request(context: Context, request: Request, email: Annotated[str, Form()] = "") -> Response:
    """Mail a link; the answer is the same whether or not the address has an account."""
    try:
        address = accounts.normalise_email(email)
        accounts.request_sign_in(context.db, context.settings, address, ip=client_ip(request))
    except accounts.InvalidEmail as exc:
        return render(request, "sign_in.html", status_code=400, email=email[:254], problem=str(exc))
    except RateLimited as exc:
        response = render(request, "sign_in.html", status_code=429, email=email[:254], problem=str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except (MailDeliveryError, MailHeaderError):
        log.exception("cannot send a sign-in mail")
        return render(
            request,
            "sign_in.html",
            status_code=503,
            email=email[:254],
            problem="We could not send the mail just now. Please try again in a few minutes.",
        )
    return render(request, "sign_in_sent.html", email=address, outbox=outbox_shown(context.settings))


@router.get("/sign-in/complete")
def sign_in_confirm(request: Request, token: str = "") -> Response:
    """Ask for a click: mail scanners fetch GET links, and must not use up the token."""
    response = render(request, "sign_in_complete.html", token=token[:200], problem=None)
    # The token is in this page's address: keep it out of Referer headers and caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/sign-in/complete")
def sign_in_complete(context: Context, request: Request, token: Annotated[str, Form()] = "") -> Response:
    try:
        signed_in = accounts.complete_sign_in(context.db, token)
    except accounts.AccountError as exc:
        response = render(request, "sign_in_complete.html", status_code=400, token="", problem=str(exc))
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    old = _session_cookie(context, request)
    if old:
        accounts.sign_out(context.db, old)
    redirect = RedirectResponse("/" if signed_in.user.display_name else "/account", status_code=303)
    redirect.set_cookie(
        session_cookie_name(context.settings),
        signed_in.session_token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=context.settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return redirect


@router.post("/sign-out")
def sign_out(context: Context, request: Request) -> Response:
    accounts.sign_out(context.db, _session_cookie(context, request))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        session_cookie_name(context.settings),
        path="/",
        secure=context.settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/account")
def account(request: Request, user: SignedInUser) -> Response:
    if user is None:
        return RedirectResponse("/sign-in", status_code=303)
    return render(request, "account.html", account=user, name=user.display_name or "")


@router.post("/account")
def account_update(
    context: Context, request: Request, user: SignedInUser, display_name: Annotated[str, Form()] = ""
) -> Response:
    if user is None:
        return RedirectResponse("/sign-in", status_code=303)
    try:
        updated = accounts.set_display_name(context.db, user.id, display_name)
    except accounts.InvalidDisplayName as exc:
        return render(
            request, "account.html", status_code=400, account=user, name=display_name[:200], problem=str(exc)
        )
    request.state.user = updated  # the header shows the new name at once
    return render(request, "account.html", account=updated, name=updated.display_name or "", saved=True)


class CurrentUser:
    """ASGI middleware: put the session cookie's user (or None) in request.state.user."""

    def __init__(self, app: ASGIApp, db: Database, session_cookie: str) -> None:
        self.app = app
        self.db = db
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = cookie_from_scope(scope, self.session_cookie)
            user = None
            # Static files need no user; everything else costs one indexed lookup, off the event loop.
            if token and not scope["path"].startswith("/static/"):
                user = await to_thread.run_sync(accounts.user_for_session, self.db, token)
            scope.setdefault("state", {})["user"] = user
        await self.app(scope, receive, send)
