"""The site's cookie names, and reading a cookie from an ASGI scope, the one way every
middleware reads it."""

from __future__ import annotations

from starlette.requests import cookie_parser
from starlette.types import Scope

SESSION = "paperboy_session"
CSRF = "paperboy_csrf"


def cookie_name(base: str, secure: bool) -> str:
    """The name a cookie is set and read under: with the `__Host-` prefix on an https site.

    Browsers accept a `__Host-` cookie only from a secure page, for Path=/ and with no
    Domain, so neither a sibling subdomain nor a plain-http page on the network can plant
    one: that closes login CSRF (a browser given the attacker's CSRF cookie and its token,
    then made to complete the attacker's sign-in). Changing base_url to https renames the
    cookies, so everyone signs in once more.
    """
    return f"__Host-{base}" if secure else base


def cookie_from_scope(scope: Scope, name: str) -> str:
    """The cookie's value from the request's Cookie headers, or "" if it has none.

    The signed-in user (auth.CurrentUser) and the CSRF token's session binding both read
    the session cookie through here, so they always agree on which value it is.
    """
    for header, value in scope.get("headers", []):
        if header == b"cookie":
            found = cookie_parser(value.decode("latin-1")).get(name)
            if found:
                return found
    return ""
