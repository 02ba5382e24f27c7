"""CSRF protection for every state-changing request (POST, PUT, PATCH, DELETE).

Each browser gets a random `paperboy_csrf` cookie; its token is an HMAC, under the secret
key, of that cookie and, once the browser is signed in, of its session cookie too. A form
sends the token in a hidden `csrf_token` field, a script in the `X-CSRF-Token` header
(pages carry it in `<meta name="csrf-token">`). Another site can make a browser send the
cookies but can read neither them nor the token, and cannot forge the HMAC.

A site on a sibling domain can plant a `paperboy_csrf` cookie of its choosing in the
victim's browser, and learn that cookie's token by visiting us with it; but the token it
learns is bound to its own session (or to none), never to the victim's session, which it
cannot read, so it is refused for any signed-in victim. On an https site the cookies are
`__Host-` cookies (web/cookies.py), which a sibling domain cannot plant at all, so a
browser that is not signed in cannot be signed in to the attacker's account either.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from starlette.requests import Request, cookie_parser
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperboy.secret_key import resolve_secret_key  # noqa: F401  (re-exported for web.app)
from paperboy.web.cookies import CSRF, cookie_from_scope, cookie_name
from paperboy.web.errors import WebError, error_response

FIELD = "csrf_token"
HEADER = b"x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Forms are small; a larger body is refused before it is parsed for the token.
MAX_FORM_BODY = 1024 * 1024
COOKIE_MAX_AGE = 365 * 24 * 3600
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# The only requests let through without a token. RFC 8058's one-click unsubscribe is POSTed
# by mail clients, which send no cookies; the signed token in its URL is its protection.
EXEMPT = frozenset({("POST", "/unsubscribe")})
# The library import form uploads a file (up to the readers' own 20 MB limit) with the token
# in a field, so its body may be larger; the route gives the size error a person can act on.
LARGE_FORMS = {"/library/import": 20 * 1024 * 1024 + 256 * 1024}


def csrf_token_for(secret: bytes, cookie_value: str, session: str = "") -> str:
    """The token for a browser's CSRF cookie and its session cookie ("" when not signed in)."""
    # The cookie value is URL-safe base64 (no "|"), so the two parts cannot be confused.
    message = b"csrf:" + cookie_value.encode()
    if session:
        message += b"|session:" + session.encode("latin-1", "replace")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _cookie_value(scope: Scope, cookie: str) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(cookie, "")
            if _COOKIE_VALUE.match(found):
                return found
    return None


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


class CsrfRefused(Exception):
    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class CsrfProtection:
    """ASGI middleware: refuse state-changing requests without the browser's CSRF token (403)."""

    def __init__(self, app: ASGIApp, secret: bytes, secure_cookie: bool, session_cookie: str = "") -> None:
        self.app = app
        self.secret = secret
        self.secure_cookie = secure_cookie
        self.cookie = cookie_name(CSRF, secure_cookie)
        # The name of the session cookie the token is bound to, when the browser has one.
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = _cookie_value(scope, self.cookie)
        new_cookie = cookie is None
        cookie = cookie or secrets.token_urlsafe(32)
        session = cookie_from_scope(scope, self.session_cookie) if self.session_cookie else ""
        expected = csrf_token_for(self.secret, cookie, session)
        # Templates put it in forms as request.state.csrf_token.
        scope.setdefault("state", {})["csrf_token"] = expected

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_cookie:
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", self._set_cookie(cookie).encode("latin-1")))
                message["headers"] = headers
            await send(message)

        exempt = (scope["method"], scope["path"]) in EXEMPT
        if scope["method"] in UNSAFE_METHODS and not exempt and self._routed(scope):
            try:
                receive = await self._check(scope, receive, expected, new_cookie)
            except CsrfRefused as refusal:
                code = "csrf_failed" if refusal.status == 403 else "too_large"
                error = WebError(refusal.status, str(refusal), field=FIELD, code=code)
                response = error_response(Request(scope), error)
                await response(scope, receive, send_with_cookie)
                return
        await self.app(scope, receive, send_with_cookie)

    def _routed(self, scope: Scope) -> bool:
        # A request no route takes (404, 405) changes nothing; it keeps its own error.
        app = scope.get("app")
        routes = getattr(getattr(app, "router", None), "routes", None)
        if routes is None:
            return True
        return any(route.matches(scope)[0] == Match.FULL for route in routes)

    async def _check(self, scope: Scope, receive: Receive, expected: str, new_cookie: bool) -> Receive:
        if new_cookie:
            raise CsrfRefused(
                "This form was sent without the security cookie this site sets. Allow cookies for "
                "this site, reload the page and send the form again."
            )
        sent = _header(scope, HEADER)
        if sent is None:
            limit = LARGE_FORMS.get(scope["path"], MAX_FORM_BODY)
            body, receive = await _buffer_body(receive, limit)
            sent = await _form_token(scope, body)
        if not sent:
            raise CsrfRefused(
                "This request has no CSRF token, so it might come from another site. Reload the page "
                "and send the form again (scripts: send the X-CSRF-Token header)."
            )
        if not hmac.compare_digest(sent.encode("latin-1", "replace"), expected.encode()):
            raise CsrfRefused(
                "This request's CSRF token is wrong or out of date. Reload the page and send the form again."
            )
        return receive

    def _set_cookie(self, value: str) -> str:
        parts = [f"{self.cookie}={value}", "Path=/", f"Max-Age={COOKIE_MAX_AGE}", "HttpOnly", "SameSite=Lax"]
        if self.secure_cookie:
            parts.append("Secure")
        return "; ".join(parts)


async def _buffer_body(receive: Receive, limit: int = MAX_FORM_BODY) -> tuple[bytes, Receive]:
    """Read the whole body (up to limit) and a receive that replays it downstream."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise CsrfRefused("The request ended before its body arrived.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            if limit > MAX_FORM_BODY:
                raise CsrfRefused(
                    f"This upload is larger than {limit // 1024 // 1024} MB, the most one form takes; "
                    "split the file and send each part. Nothing was changed.",
                    status=413,
                )
            raise CsrfRefused(
                f"This form is larger than {limit // 1024} KiB; "
                "send the token in the X-CSRF-Token header instead."
            )
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _form_token(scope: Scope, body: bytes) -> str | None:
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    given = False

    async def once() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    request = Request(scope, once)
    try:
        form = await request.form()
    except Exception:
        return None
    try:
        value = form.get(FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()
