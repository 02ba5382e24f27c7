"""Subscription pages: subscribe (double opt-in), confirm, manage by signed link, unsubscribe.

Every page reached by a mailed link asks for a press before it changes anything (mail
scanners follow GET links), except the RFC 8058 one-click POST, which mail clients send
without cookies: its signed token is its protection, so the CSRF check leaves it alone.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from paperboy.domain.subscriptions import KINDS, Subscription
from paperboy.mail import MailDeliveryError, MailHeaderError
from paperboy.services.accounts import InvalidEmail, normalise_email
from paperboy.services.digests import subscriptions
from paperboy.services.rate_limits import RateLimited
from paperboy.web.client_address import client_ip
from paperboy.web.context import Context
from paperboy.web.rendering import outbox_shown, render

log = logging.getLogger("paperboy.web")

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

FREQUENCIES = ("daily", "weekly")
# A refused form is shown again; a value far past any limit is not worth echoing in full.
ECHO_CHARS = 2_000
TOKEN_CHARS = subscriptions.TOKEN_MAX

FormText = Annotated[str, Form()]


def _private(response: Response) -> Response:
    """Headers for a page whose address holds a token: keep it out of Referer headers and caches."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _form(
    email: str = "",
    kind: str = "trending",
    frequency: str = "daily",
    q: str = "",
    mode: str = "",
    cat: str = "",
    after: str = "",
    before: str = "",
) -> dict[str, str]:
    """The subscribe form's values, clipped for showing again."""
    return {
        "email": email[:254],
        # A for-you digest is subscribed from /for-you/subscribe, signed in, for the account's address.
        "kind": kind if kind in KINDS and kind != "for_you" else "trending",
        "frequency": frequency if frequency in FREQUENCIES else "daily",
        "q": q[:ECHO_CHARS],
        "mode": mode[:20],
        "cat": cat[:40],
        "after": after[:10],
        "before": before[:10],
    }


def _filters(mode: str, cat: str, after: str, before: str) -> dict[str, str]:
    """A saved search's filters as the service takes them; blank ones are left out."""
    given = {"mode": mode, "category": cat, "after": after, "before": before}
    return {name: value.strip() for name, value in given.items() if value.strip()}


@router.get("/subscribe")
def subscribe_form(
    request: Request,
    kind: str = "trending",
    frequency: str = "daily",
    q: str = "",
    mode: str = "",
    cat: str = "",
    after: str = "",
    before: str = "",
    email: str = "",
) -> Response:
    """The form, prefilled from the address (the search page links here with its query)."""
    form = _form(email, kind, frequency, q, mode, cat, after, before)
    return render(request, "subscribe.html", form=form, problem=None, problem_field=None)


@router.post("/subscribe")
def subscribe(
    context: Context,
    request: Request,
    email: FormText = "",
    kind: FormText = "trending",
    frequency: FormText = "daily",
    q: FormText = "",
    mode: FormText = "",
    cat: FormText = "",
    after: FormText = "",
    before: FormText = "",
) -> Response:
    """Mail a confirmation link; the answer is the same whether or not the address is known."""
    form = _form(email, kind, frequency, q, mode, cat, after, before)

    def refused(status: int, problem: str, field: str | None) -> Response:
        return render(
            request, "subscribe.html", status_code=status, form=form, problem=problem, problem_field=field
        )

    search = kind == "search"
    try:
        address = normalise_email(email)
        subscriptions.subscribe(
            context.db,
            context.settings,
            email,
            kind,
            frequency,
            query=q if search else None,
            filters=_filters(mode, cat, after, before) if search else None,
            ip=client_ip(request),
        )
    except (InvalidEmail, subscriptions.SubscriptionError) as exc:
        return refused(400, str(exc), getattr(exc, "field", None))
    except RateLimited as exc:
        response = refused(429, str(exc), None)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except (MailDeliveryError, MailHeaderError):
        log.exception("cannot send a subscription confirmation")
        return refused(503, "We could not send the mail just now. Please try again in a few minutes.", None)
    return render(request, "subscribe_sent.html", email=address, outbox=outbox_shown(context.settings))


@router.get("/subscriptions/confirm")
def confirm_page(request: Request, token: str = "") -> Response:
    """Ask for a press: mail scanners fetch GET links, and must not confirm on the reader's behalf."""
    return _private(render(request, "subscribe_confirm.html", token=token[:TOKEN_CHARS], confirmed=None))


@router.post("/subscriptions/confirm")
def confirm(context: Context, request: Request, token: FormText = "") -> Response:
    try:
        confirmed = subscriptions.confirm(context.db, context.settings, token)
    except subscriptions.SubscriptionError as exc:
        page = render(
            request, "subscribe_confirm.html", status_code=400, token="", confirmed=None, problem=str(exc)
        )
        return _private(page)
    # The confirmation link was mailed to the address and signs this row's secret: whoever
    # holds it has read that mailbox, so may have the manage link too.
    manage = subscriptions.manage_url(context.settings, confirmed)
    return _private(render(request, "subscribe_confirm.html", token="", confirmed=confirmed, manage=manage))


def _manage_page(
    request: Request,
    context: Context,
    token: str,
    status_code: int = 200,
    left: tuple[str, list[Subscription]] | None = None,
    **extra: Any,
) -> Response:
    """The list of the link's address; `left` is the list already known (after a delete)."""
    try:
        address, listed = left or subscriptions.subscriptions_for_manage_token(
            context.db, context.settings, token
        )
    except subscriptions.SubscriptionError as exc:
        page = render(
            request, "manage_subscriptions.html", status_code=400, token="", problem=str(exc), listed=None
        )
        return _private(page)
    page = render(
        request,
        "manage_subscriptions.html",
        status_code=status_code,
        token=token,
        address=address,
        listed=listed,
        frequencies=FREQUENCIES,
        **extra,
    )
    return _private(page)


@router.get("/subscriptions/manage")
def manage_page(context: Context, request: Request, token: str = "") -> Response:
    """Every subscription of the link's address, each with its own forms."""
    return _manage_page(request, context, token[:TOKEN_CHARS])


MANAGE_ACTIONS = ("frequency", "pause", "resume", "delete")


@router.post("/subscriptions/manage")
def manage(
    context: Context,
    request: Request,
    token: FormText = "",
    subscription_id: FormText = "",
    action: FormText = "",
    frequency: FormText = "",
) -> Response:
    """Change one subscription of the link's address, then show the list again."""
    if action not in MANAGE_ACTIONS:
        return _manage_page(
            request, context, token, 400, problem=f"Unknown action {action[:40]!r}; use the page's buttons."
        )
    try:
        chosen = int(subscription_id)
    except ValueError:
        return _manage_page(
            request, context, token, 400, problem="No subscription was chosen; use the page's buttons."
        )
    left: tuple[str, list[Subscription]] | None = None
    try:
        if action == "delete":
            left = subscriptions.delete_subscription(context.db, context.settings, token, chosen)
            notice = "Deleted. Nothing more will be sent for it."
            if not left[1]:
                notice += (
                    " This address has no confirmed subscriptions left, so this page's link opens"
                    " nothing more."
                )
        elif action == "frequency":
            changed = subscriptions.update_subscription(
                context.db, context.settings, token, chosen, frequency=frequency
            )
            notice = f"Saved: {changed.describe()}."
        else:
            changed = subscriptions.update_subscription(
                context.db, context.settings, token, chosen, paused=action == "pause"
            )
            notice = f"{'Paused' if action == 'pause' else 'Resumed'}: {changed.describe()}."
    except subscriptions.SubscriptionError as exc:
        return _manage_page(request, context, token, 400, problem=str(exc))
    return _manage_page(request, context, token, left=left, notice=notice)


@router.get("/unsubscribe")
def unsubscribe_page(request: Request, token: str = "") -> Response:
    """One button; opening the link alone changes nothing (scanners open links)."""
    return _private(render(request, "unsubscribe.html", token=token[:TOKEN_CHARS], done=None))


@router.post("/unsubscribe")
def unsubscribe(
    context: Context,
    request: Request,
    token: str = "",
    form_token: Annotated[str, Form(alias="token")] = "",
) -> Response:
    """RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click`, without cookies.

    The token is in the address (the List-Unsubscribe URL); a form may send it in the body
    instead. Unsubscribing twice is fine and answers the same way.
    """
    try:
        done = subscriptions.unsubscribe(context.db, context.settings, token or form_token)
    except subscriptions.SubscriptionError as exc:
        page = render(request, "unsubscribe.html", status_code=400, token="", done=None, problem=str(exc))
        return _private(page)
    # Only a manage link that still opens something: an old link of a finished subscription
    # must not lead to what the address subscribed to later.
    manage = subscriptions.live_manage_url(context.db, context.settings, done)
    return _private(render(request, "unsubscribe.html", token="", done=done, manage=manage))
