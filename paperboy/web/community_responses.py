"""What the community routes share: who may act, where a form goes back to, how refusals answer.

Service errors map to statuses here, once: CommunityError 400, NotAllowed 403,
NotFound 404, RateLimited 429 (with Retry-After). A script (Accept: application/json)
gets the API's one error shape; a form gets a page with the message.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from paperboy.services.community.errors import CommunityError, NotAllowed, NotFound
from paperboy.services.rate_limits import RateLimited
from paperboy.web.errors import WebError, error_body, error_response

# Anything a community action can refuse with.
REFUSALS = (CommunityError, RateLimited)


def wants_json(request: Request) -> bool:
    """True when a script asked (app.js sends Accept: application/json)."""
    return "application/json" in request.headers.get("accept", "")


def safe_next(value: str | None, default: str) -> str:
    """Where a form goes back to: a path on this site only, never another host."""
    text = (value or "").strip()
    # "//evil.example" and "/\evil.example" are other hosts to a browser.
    if not text.startswith("/") or text.startswith(("//", "/\\")) or any(c in text for c in "\r\n\x00"):
        return default
    return text[:500]


def status_of(refusal: Exception) -> int:
    if isinstance(refusal, RateLimited):
        return 429
    if isinstance(refusal, NotFound):
        return 404
    if isinstance(refusal, NotAllowed):
        return 403
    return 400


def field_of(refusal: Exception) -> str | None:
    return getattr(refusal, "field", None)


def with_retry_after(response: Response, refusal: Exception) -> Response:
    """Add Retry-After when the refusal is a rate limit."""
    if isinstance(refusal, RateLimited):
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


_CODES = {
    400: "bad_request",
    401: "sign_in_required",
    403: "forbidden",
    404: "not_found",
    429: "rate_limited",
}


def json_refusal(refusal: Exception) -> Response:
    """The refusal in the API's error shape."""
    status = status_of(refusal)
    body = error_body(status, _CODES[status], str(refusal), field_of(refusal))
    return with_retry_after(JSONResponse(body, status_code=status), refusal)


def error_page(request: Request, refusal: Exception) -> Response:
    """The refusal as the site's error page (JSON for scripts)."""
    if wants_json(request):
        return json_refusal(refusal)
    status = status_of(refusal)
    page = error_response(request, WebError(status, str(refusal), field_of(refusal), _CODES[status]))
    return with_retry_after(page, refusal)


def sign_in_first(request: Request, json: bool = False) -> Response:
    """Signed-out: forms go to the sign-in page; scripts (and json=True) get 401 in the error shape."""
    if json or wants_json(request):
        message = "Sign in to do this: your session has ended or you never signed in."
        return JSONResponse(error_body(401, _CODES[401], message), status_code=401)
    return RedirectResponse("/sign-in", status_code=303)


def admins_only(request: Request) -> Response | None:
    """None for a signed-in admin; otherwise the answer to give instead (sign in, or 403)."""
    user = getattr(request.state, "user", None)
    if user is None:
        return sign_in_first(request)
    if not user.is_admin:
        return error_page(request, NotAllowed("Only an admin can open the moderation pages."))
    return None
