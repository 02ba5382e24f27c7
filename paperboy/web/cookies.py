"""Reading a cookie from an ASGI scope, the one way every middleware reads it."""

from __future__ import annotations

from starlette.requests import cookie_parser
from starlette.types import Scope


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
