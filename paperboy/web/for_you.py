"""The "for you" pages and their JSON twin: the last days' papers ranked for the signed-in
reader, a "Not interested" button per paper, and the page of what the ranking is built from
(remove a signal, or reset them all). Every route acts on the signed-in reader alone."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperboy.domain.subscriptions import FOR_YOU_COUNTS, FOR_YOU_DEFAULT_COUNT
from paperboy.services.digests import subscriptions
from paperboy.services.library.feedback import set_not_interested
from paperboy.services.library.for_you import MAX_DAYS, MAX_TAG, ForYouList, for_you
from paperboy.services.library.for_you_signals import SIGNAL_KINDS, remove_signal, reset_signals, signals_of
from paperboy.services.rate_limits import RateLimited
from paperboy.web.auth import SignedInUser
from paperboy.web.client_address import client_ip
from paperboy.web.community_responses import error_page, json_refusal, safe_next, sign_in_first, wants_json
from paperboy.web.context import Context
from paperboy.web.errors import error_body
from paperboy.web.library_responses import LIBRARY_REFUSALS, private
from paperboy.web.rendering import outbox_shown, render

router = APIRouter(include_in_schema=False)

Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="how many days back, today included")]
Limit = Annotated[int, Query(ge=1, le=200)]
Tag = Annotated[str, Query(max_length=MAX_TAG, description="rank from the library papers with this tag only")]


@router.get("/for-you", response_class=HTMLResponse)
def for_you_page(
    context: Context, request: Request, user: SignedInUser, days: Days = 7, tag: Tag = ""
) -> Response:
    """The reader's list; an empty library asks for papers and shows trending meanwhile."""
    if user is None:
        return sign_in_first(request)
    listing = for_you(context.db, context.settings, user, days=days, limit=50, tag=tag)
    return private(render(request, "for_you.html", listing=listing, days=days))


@router.get("/api/for-you")
def for_you_json(
    context: Context, request: Request, user: SignedInUser, days: Days = 7, limit: Limit = 50, tag: Tag = ""
) -> Response:
    """The reader's list as JSON: each paper with its score and reasons."""
    if user is None:
        return sign_in_first(request, json=True)
    listing = for_you(context.db, context.settings, user, days=days, limit=limit, tag=tag)
    response = JSONResponse(_as_json(listing))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post("/papers/{key:path}/not-interested")
def not_interested(
    context: Context,
    request: Request,
    user: SignedInUser,
    key: str,
    action: Annotated[Literal["mark", "unmark"], Form()] = "mark",
    next: Annotated[str, Form()] = "",  # noqa: A002  (the form field's name)
) -> Response:
    """Mark the paper "not interested" (it never comes back, and papers like it rank lower), or unmark it."""
    if user is None:
        return sign_in_first(request, json=wants_json(request))
    try:
        paper_key = set_not_interested(context.db, user, key, action == "mark")
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal) if wants_json(request) else error_page(request, refusal)
    if wants_json(request):
        return private(JSONResponse({"paper": paper_key, "not_interested": action == "mark"}))
    return RedirectResponse(safe_next(next, "/for-you"), status_code=303)


@router.get("/for-you/signals", response_class=HTMLResponse)
def signals_page(context: Context, request: Request, user: SignedInUser) -> Response:
    """What the reader's list is built from, each signal with a button to take it back."""
    if user is None:
        return sign_in_first(request)
    return private(render(request, "for_you_signals.html", signals=signals_of(context.db, user)))


@router.get("/api/for-you/signals")
def signals_json(context: Context, request: Request, user: SignedInUser) -> Response:
    if user is None:
        return sign_in_first(request, json=True)
    found = signals_of(context.db, user)
    body = {
        "library": [{"key": p.key, "title": p.title, "tags": list(p.tags)} for p in found.library],
        "library_total": found.library_total,
        "tags": [{"tag": t, "papers": n} for t, n in found.tags],
        "upvotes": [{"key": p.key, "title": p.title} for p in found.upvotes],
        "follows": [{"kind": f.kind, "value": f.value} for f in found.follows],
        "not_interested": [{"key": p.key, "title": p.title} for p in found.not_interested],
    }
    response = JSONResponse(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post("/for-you/signals/remove")
def remove_one(
    context: Context,
    request: Request,
    user: SignedInUser,
    kind: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Take back one signal (a saved paper, a tag, an upvote, a follow, a "not interested" mark)."""
    if user is None:
        return sign_in_first(request, json=wants_json(request))
    if kind not in SIGNAL_KINDS:
        message = f"Unknown signal {kind[:40]!r}; one of {', '.join(SIGNAL_KINDS)}."
        return JSONResponse(error_body(400, "bad_request", message, "kind"), status_code=400)
    try:
        removed = remove_signal(context.db, user, kind, value)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal) if wants_json(request) else error_page(request, refusal)
    if wants_json(request):
        return private(JSONResponse({"kind": kind, "value": value, "removed": removed}))
    return RedirectResponse("/for-you/signals", status_code=303)


@router.get("/for-you/signals/reset", response_class=HTMLResponse)
def reset_confirmation(context: Context, request: Request, user: SignedInUser) -> Response:
    """Asks before wiping: says exactly what would go."""
    if user is None:
        return sign_in_first(request)
    return private(render(request, "for_you_reset.html", signals=signals_of(context.db, user)))


@router.post("/for-you/signals/reset")
def reset(
    context: Context,
    request: Request,
    user: SignedInUser,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Delete every signal; only with confirm=yes (the confirmation page's button)."""
    if user is None:
        return sign_in_first(request, json=wants_json(request))
    if confirm != "yes":
        if wants_json(request):
            message = "Resetting deletes every signal; send confirm=yes to do it."
            return JSONResponse(error_body(400, "bad_request", message, "confirm"), status_code=400)
        return RedirectResponse("/for-you/signals/reset", status_code=303)
    try:
        gone = reset_signals(context.db, user)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal) if wants_json(request) else error_page(request, refusal)
    if wants_json(request):
        return private(JSONResponse({"removed": gone}))
    return RedirectResponse("/for-you/signals?reset=done", status_code=303)


def _as_json(listing: ForYouList) -> dict[str, object]:
    return {
        "first_day": listing.first_day.isoformat(),
        "last_day": listing.last_day.isoformat(),
        "library_size": listing.library_size,
        "candidates": listing.candidates,
        "needs_library": listing.needs_library,
        "tag": listing.tag,
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


@router.get("/for-you/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request, user: SignedInUser) -> Response:
    """The for-you digest's form: how often, how many papers, the least score."""
    if user is None:
        return sign_in_first(request)
    form = {"frequency": "daily", "count": str(FOR_YOU_DEFAULT_COUNT), "min_score": ""}
    return private(render(request, "for_you_subscribe.html", form=form, problem=None, limits=FOR_YOU_COUNTS))


@router.post("/for-you/subscribe", response_class=HTMLResponse)
def subscribe(
    context: Context,
    request: Request,
    user: SignedInUser,
    frequency: Annotated[str, Form(max_length=10)] = "daily",
    count: Annotated[str, Form(max_length=10)] = "",
    min_score: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Subscribe the reader's own address (the account's) to their for-you digest: the same
    double opt-in, confirmation mail and rate limits as every subscription."""
    if user is None:
        return sign_in_first(request)
    form = {"frequency": frequency, "count": count, "min_score": min_score}
    options = {"count": count, "min_score": min_score}
    try:
        subscriptions.subscribe(
            context.db,
            context.settings,
            user.email,
            "for_you",
            frequency,
            filters=options,
            ip=client_ip(request),
        )
    except subscriptions.SubscriptionError as exc:
        page = render(request, "for_you_subscribe.html", status_code=400, form=form, problem=str(exc),
                      limits=FOR_YOU_COUNTS)  # fmt: skip
        return private(page)
    except RateLimited as exc:
        page = render(request, "for_you_subscribe.html", status_code=429, form=form, problem=str(exc),
                      limits=FOR_YOU_COUNTS)  # fmt: skip
        page.headers["Retry-After"] = str(exc.retry_after)
        return private(page)
    return private(
        render(request, "subscribe_sent.html", email=user.email, outbox=outbox_shown(context.settings))
    )
